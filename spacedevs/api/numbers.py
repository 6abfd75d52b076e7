"""Whole numbers, as query parameters and LL2 data give them, and durations, within what both databases
store."""

import datetime

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

# Django's integer fields as PostgreSQL stores them (its backend keeps Django's own table; SQLite takes
# more), so that what imports on SQLite imports on PostgreSQL too.
INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges

# PostgreSQL's `integer`: LL2's ids are 32-bit, and an id, offset or position beyond it cannot be stored.
MAX_INTEGER = INTEGER_RANGES["IntegerField"][1]

# The longest duration every supported database holds: SQLite stores one as a 64-bit count of microseconds.
MAX_DURATION = datetime.timedelta(microseconds=2**63 - 1)


def value_range(field):
    """The (least, greatest) value a model field's column holds on PostgreSQL, a relation's that of its
    target, or None for a field of no such range."""
    if field.is_relation:
        field = field.target_field
    if isinstance(field, models.DurationField):
        return -MAX_DURATION, MAX_DURATION
    bounds = INTEGER_RANGES.get(field.get_internal_type())
    if bounds is not None and field.primary_key:
        # An id is part of the paths the API routes, digits alone, from 0 up (LL2's too): imports and the
        # admin hold ids to that.
        return max(bounds[0], 0), bounds[1]
    return bounds


# More digits than any bound of the API has (2**63 has 19): Python's int() refuses a string of over 4,300.
SIGNIFICANT_DIGITS = 21


def whole_number(text):
    """The whole number `text` spells in plain ASCII digits, after a `-` if it is below zero, or None for any
    other text (`int()` would also take `+1`, `1_0` or other scripts' digits). Whitespace around it is cut,
    as LL2's fields cut it (`id=352, 101`, a list joined with ", "). Past SIGNIFICANT_DIGITS digits, a
    number of that many: past every bound just the same."""
    text = text.strip()
    negative = text.startswith("-")
    digits = text[negative:]
    if not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits.lstrip("0")[:SIGNIFICANT_DIGITS] or "0")
    return -value if negative else value
