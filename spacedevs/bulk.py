"""Inserting and deleting many rows at once, as fast as the database allows."""

from django.db import connection


def bulk_insert(model, objects):
    """Insert the unsaved `objects` of `model` (no signals, as bulk_create): by COPY on PostgreSQL, where
    Django's bulk_create builds one array per column and parses it back, several times slower for wide or
    text-heavy rows; by bulk_create elsewhere. Rows whose primary key is unset take it from the database."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=500)
        return
    primary_key = model._meta.pk
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field is primary_key and field.auto_created and getattr(objects[0], field.attname) is None)
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # wrap_database_errors: the driver's errors as Django's (IntegrityError…), as for any other query.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for instance in objects:
            copy.write_row(
                [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
            )


def bulk_delete(queryset):
    """Delete the rows of `queryset` in one statement (no signals, as bulk_insert): Django's delete() fetches
    every row first whenever a receiver listens for the model's deletes. Rows that others reference must not
    be among them (nothing cascades: the database refuses)."""
    queryset._raw_delete(queryset.db)
