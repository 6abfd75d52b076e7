"""Whole numbers, as query parameters and LL2 data give them, and durations, within what both databases
store."""

import datetime

# PostgreSQL's `integer`: LL2's ids are 32-bit, and an id, offset or position beyond it cannot be stored.
MAX_INTEGER = 2**31 - 1

# Django's integer fields as PostgreSQL stores them (SQLite takes more), so that what imports on SQLite
# imports on PostgreSQL too.
INTEGER_RANGES = {
    "SmallIntegerField": (-(2**15), 2**15 - 1),
    "IntegerField": (-(2**31), MAX_INTEGER),
    "BigIntegerField": (-(2**63), 2**63 - 1),
    "PositiveSmallIntegerField": (0, 2**15 - 1),
    "PositiveIntegerField": (0, MAX_INTEGER),
    "PositiveBigIntegerField": (0, 2**63 - 1),
}

# The longest duration every supported database holds: SQLite stores one as a 64-bit count of microseconds.
MAX_DURATION = datetime.timedelta(microseconds=2**63 - 1)


def is_whole_number(text):
    """Plain ASCII digits only: `int()` would also take `+1`, ` 1`, `1_0` or other scripts' digits."""
    return text.isascii() and text.isdigit()


# More digits than any bound of the API has (2**63 has 19): Python's int() refuses a string of over 4,300.
SIGNIFICANT_DIGITS = 21


def whole_number_value(text):
    """The value of `text` (is_whole_number), or, when it has more than SIGNIFICANT_DIGITS digits, a number
    of that many: past every bound just the same."""
    digits = text.lstrip("0") or "0"
    return int(digits[:SIGNIFICANT_DIGITS])
