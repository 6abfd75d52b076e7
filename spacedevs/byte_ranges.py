"""A `Range` request's one span of bytes, read as RFC 9110 §14.1.2 defines it."""

import re

# One range-spec of the bytes unit (case-insensitive, §14.1): `first-last`, `first-` or `-suffix`. A list of
# several is not served (a multipart answer); a server may ignore any Range (§14.2).
ONE_BYTE_RANGE = re.compile(r"bytes=[ \t]*(?:([0-9]+)-([0-9]*)|-([0-9]+))[ \t]*", re.IGNORECASE)
# Past any file's size: a position of more digits is read as this (Python refuses to read past 4,300).
BEYOND_ANY_FILE = 10**18


class UnsatisfiableRange(Exception):
    """A range that holds none of the representation's bytes: a 416 (§15.5.17)."""


def requested_span(range_header, size):
    """The (first, last) byte positions, both included, that `range_header` asks of a representation of
    `size` bytes; None when it asks for the whole (a header not read here: another unit, several ranges,
    or a last position before its first, which §14.1.1 makes invalid). Raises UnsatisfiableRange for a
    first position at or past the end, or a suffix of no bytes. WhiteNoise refused a range of one byte
    (`bytes=0-0`, `bytes=-1`) and answered `bytes=-0` with the whole file."""
    found = ONE_BYTE_RANGE.fullmatch(range_header.strip(" \t"))  # HTTP's whitespace, not Unicode's
    if found is None:
        return None
    first_digits, last_digits, suffix_digits = found.groups()
    if suffix_digits is not None:
        suffix = position(suffix_digits)
        if suffix == 0:
            raise UnsatisfiableRange
        # An empty representation's only satisfiable range is a suffix (§14.1.3), yet no 206 can hold it.
        return (max(size - suffix, 0), size - 1) if size else None
    if last_digits and magnitude(last_digits) < magnitude(first_digits):
        return None
    first = position(first_digits)
    if first >= size:
        raise UnsatisfiableRange
    return first, min(position(last_digits), size - 1) if last_digits else size - 1


def magnitude(digits):
    """`digits` as a key that orders numbers of any length as their values: (length, digits), without
    leading zeros."""
    significant = digits.lstrip("0")
    return len(significant), significant


def position(digits):
    """The byte position written in `digits` (of any length), or BEYOND_ANY_FILE when that is less."""
    length, significant = magnitude(digits)
    return int(significant or "0") if length < len(str(BEYOND_ANY_FILE)) else BEYOND_ANY_FILE
