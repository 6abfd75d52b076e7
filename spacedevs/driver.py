"""Queries made on the database driver's own connection, for the hottest reads, still as Django makes its
own: under the connection's execute wrappers (the query deadline), its error wrapping and its query log."""

import functools
import time

import psycopg


def driver_cursor(connection):
    """A psycopg cursor of the Django `connection`'s driver connection (connecting if need be), kept with it
    and made anew after a reconnection: a reused cursor skips psycopg's per-cursor set-up."""
    connection.ensure_connection()
    cursor = getattr(connection, "_spacedevs_driver_cursor", None)
    if cursor is None or cursor.connection is not connection.connection:
        cursor = connection._spacedevs_driver_cursor = psycopg.Cursor(connection.connection)
    return cursor


def fetch_one(connection, sql):
    """The first row of `sql` (a prepared, parameterless statement) on a PostgreSQL `connection`, or None."""
    cursor = driver_cursor(connection)

    def execute(sql, params, many, context):
        return cursor.execute(sql, prepare=True, binary=True).fetchone()

    for wrapper in reversed(connection.execute_wrappers):
        execute = functools.partial(wrapper, execute)
    started = time.monotonic()
    with connection.wrap_database_errors:
        row = execute(sql, None, False, {"connection": connection, "cursor": cursor})
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return row
