"""Inserting, updating and deleting many rows at once, as fast as the database allows."""

import itertools
import re
from functools import cache

from django.db import connection, models

# Fields whose get_db_prep_save gives back, on PostgreSQL, the value of their own Python type unchanged: COPY
# can take those values as they are (Django's preparation of each one is most of an insert's Python time).
_PREPARED_AS_THEY_ARE = (
    models.BooleanField,
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.DateField,  # and DateTimeField
    models.DurationField,
    models.UUIDField,
)


# Rows per statement where Django's bulk_create and bulk_update do the work (other databases than PostgreSQL).
BATCH_SIZE = 500


def bulk_insert(model, rows):
    """Insert `rows` of `model`, each a dict {attname: value of the field's Python type}, a field left out
    taking its default (no signals, as bulk_create): by COPY on PostgreSQL, where Django's bulk_create builds
    one array per column and parses it back, several times slower for wide or text-heavy rows; by bulk_create
    elsewhere. A row without its primary key takes it from the database. `rows` may be any iterable: on
    PostgreSQL rows are sent as they come (in blocks of about 32 KB), so that the database takes in those
    sent while the next are made."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain([first], rows)
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows], batch_size=BATCH_SIZE)
        return
    primary_key = model._meta.pk
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field is primary_key and field.auto_created and first.get(field.attname) is None)
        and not field.generated  # the database's to write
    ]
    prepare = [_preparation(field) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # wrap_database_errors: the driver's errors as Django's (IntegrityError…), as for any other query.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                [
                    convert(row[field.attname] if field.attname in row else field.get_default())
                    for field, convert in zip(fields, prepare, strict=True)
                ]
            )


def bulk_update(model, rows, attnames):
    """Set the fields `attnames` of rows of `model` to the values in `rows`, each a dict {attname: value of
    the field's Python type} that has the primary key (each row's once: PostgreSQL would take any one of
    two) and those fields (no signals, as Django's bulk_update).
    On PostgreSQL in one statement, the new values sent as one array per column and joined to the rows by
    their key. Django's bulk_update sets each column to a CASE with a branch per row, whose expressions it
    builds and compiles one by one: 75 ms of CPU to update 80 images (six columns), against 2 ms so.
    Elsewhere, Django's."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        model._default_manager.bulk_update(objects, attnames, batch_size=BATCH_SIZE)
        return
    fields = [model._meta.pk, *(model._meta.get_field(attname) for attname in attnames)]
    quote = connection.ops.quote_name
    arrays = ", ".join(f"%s::{_unconstrained_type(field)}[]" for field in fields)
    changes = ", ".join(f"{quote(field.column)} = changed.{quote(field.column)}" for field in fields[1:])
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = (
        f"UPDATE {table} SET {changes} "
        f"FROM unnest({arrays}) AS changed ({', '.join(quote(field.column) for field in fields)}) "
        f"WHERE {table}.{key} = changed.{key}"
    )
    columns = [list(map(_preparation(field), (row[field.attname] for row in rows))) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)


def _unconstrained_type(field):
    """The column's type without its modifiers (`varchar` for `varchar(255)`): an explicit cast to the type
    with them would cut a value too long to its length, where the column's own assignment refuses it."""
    return re.sub(r"\([^)]*\)", "", field.db_type(connection))


@cache
def _preparation(field):
    """How a value of `field` becomes the value COPY sends, worked out once per field."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, _PREPARED_AS_THEY_ARE) and not isinstance(target, models.ForeignKey):
        return _as_it_is
    return lambda value: field.get_db_prep_save(value, connection)


def _as_it_is(value):
    return value


def bulk_delete(queryset):
    """Delete the rows of `queryset` in one statement (no signals, as bulk_insert): Django's delete() fetches
    every row first whenever a receiver listens for the model's deletes. Rows that others reference must not
    be among them (nothing cascades: the database refuses)."""
    queryset = queryset.all()
    queryset._for_write = True  # the database writes go to, as Django's delete() marks it
    queryset._raw_delete(queryset.db)
