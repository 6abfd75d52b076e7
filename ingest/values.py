"""Parsers that turn one JSON value into the Python value a model field stores, or raise IngestError."""

import datetime
import json
import math
import uuid

from django.core.validators import slug_re
from django.db import models
from django.utils.dateparse import parse_duration

from spacedevs.api.numbers import MAX_DURATION, value_range
from spacedevs.text_bounds import INDEXED_TEXT_BYTES

from .errors import IngestError, shortened


def json_document(text):
    """`text` (str or bytes) read as JSON, strictly: the `NaN` and `Infinity` Python's parser takes are no
    JSON, and a copy holding one would pass for one holding null (orjson writes them so: batch.as_json); nor
    is a number past a double's range (`1e400`), which Python reads as infinity."""
    return json.loads(text, parse_constant=_not_json, parse_float=_finite_number)


def _not_json(name):
    raise ValueError(f"{name} is not JSON")


def _finite_number(text):
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"the number {shortened(text)} is past a double's range")
    return number


def _describe(value):
    return shortened(repr(value))


def integer_parser(minimum, maximum):
    def parse_integer(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise IngestError(f"expected an integer, got {_describe(value)}")
        if not minimum <= value <= maximum:
            raise IngestError(f"{_describe(value)} is outside {minimum}…{maximum}")
        return value

    return parse_integer


def parse_boolean(value):
    if not isinstance(value, bool):
        raise IngestError(f"expected true or false, got {_describe(value)}")
    return value


def parse_uuid(value):
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        raise IngestError(f"expected a UUID, got {_describe(value)}") from None


def parse_datetime(value):
    if not isinstance(value, str):
        raise IngestError(f"expected an ISO 8601 date-time, got {_describe(value)}")
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise IngestError(f"expected an ISO 8601 date-time, got {_describe(value)}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=datetime.UTC)
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise IngestError(f"{_describe(value)} falls outside the years 1-9999 in UTC") from None


def parse_date(value):
    if not isinstance(value, str):
        raise IngestError(f"expected an ISO 8601 date, got {_describe(value)}")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise IngestError(f"expected an ISO 8601 date, got {_describe(value)}") from None


def parse_iso_duration(value):
    try:
        parsed = parse_duration(value) if isinstance(value, str) and value.startswith(("P", "-P")) else None
    except OverflowError:  # beyond Python's timedelta (a billion days)
        parsed = MAX_DURATION * 2
    if parsed is None:
        raise IngestError(f"expected an ISO 8601 duration such as 'PT1H5M34S', got {_describe(value)}")
    if abs(parsed) > MAX_DURATION:
        raise IngestError(f"{_describe(value)} is longer than a database stores (about 292,000 years)")
    return parsed


def text_parser(max_length, pattern=None, max_bytes=None):
    def parse_text(value):
        if not isinstance(value, str):
            raise IngestError(f"expected a string, got {_describe(value)}")
        if max_length is not None and len(value) > max_length:
            raise IngestError(f"longer than {max_length} characters ({len(value)})")
        if (
            max_bytes is not None
            and len(value) > max_bytes // 4
            and len(value.encode(errors="replace")) > max_bytes
        ):
            raise IngestError(f"longer than {max_bytes} bytes as UTF-8, more than an index holds")
        if pattern is not None and not pattern.fullmatch(value):
            raise IngestError(f"{_describe(value)} does not match {pattern.pattern}")
        if "\x00" in value:
            raise IngestError("contains a NUL character")
        if not value.isascii() and not _is_utf_8(value):
            raise IngestError(f"{_describe(value)} is not Unicode text (a lone surrogate)")
        return value

    return parse_text


def _is_utf_8(text):
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def parser_for(field):
    """The parser for a concrete model field, chosen by its type (subclasses before their bases)."""
    if isinstance(field, models.BooleanField):
        return parse_boolean
    if isinstance(field, models.IntegerField):
        return integer_parser(*value_range(field))
    if isinstance(field, models.UUIDField):
        return parse_uuid
    if isinstance(field, models.DateTimeField):
        return parse_datetime
    if isinstance(field, models.DateField):
        return parse_date
    if isinstance(field, models.DurationField):
        return parse_iso_duration
    if isinstance(field, models.SlugField):
        return text_parser(field.max_length, slug_re)  # what SlugField's validator takes
    if isinstance(field, models.CharField | models.TextField):
        indexed = field.db_index or field.unique
        return text_parser(field.max_length, max_bytes=INDEXED_TEXT_BYTES if indexed else None)
    raise TypeError(f"no LL2 parser for {field!r}")
