"""The data state's read on libpq itself (spacedevs/driver.py): rows, errors and the query log as Django's
own queries give them, one prepared statement per connection, and the query deadline in any thread."""

import threading
import time

import pytest
from django.db import ProgrammingError, connection, connections
from django.test.utils import CaptureQueriesContext

from spacedevs.driver import fetch_one
from spacedevs.faults import DatabaseTimedOut, QueryDeadline

from .tcp_relay import Relay

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the driver's read is PostgreSQL's (SQLite's goes through Django)",
)


def own_connection(**settings):
    """A connection of its own to the test database (outside the test's transaction)."""
    return type(connections["default"])(connection.settings_dict | settings, alias="own")


@pytest.fixture
def own(db):
    own = own_connection()
    yield own
    own.close()


def prepared_count(connection, sql):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [sql])
        return cursor.fetchone()[0]


def test_rows_come_typed_and_the_statement_is_prepared_once_per_connection(own):
    sql = "SELECT 1::bigint, 'two'::text, NULL::timestamptz WHERE true"
    with CaptureQueriesContext(own) as queries:
        assert fetch_one(own, sql) == (1, "two", None)
        assert fetch_one(own, sql) == (1, "two", None)
    assert [query["sql"] for query in queries] == [sql, sql]
    assert prepared_count(own, sql) == 1
    assert fetch_one(own, "SELECT 1 WHERE false") is None
    own.close()  # a new connection has no prepared statements: it prepares its own
    assert fetch_one(own, sql) == (1, "two", None)
    assert prepared_count(own, sql) == 1


def test_a_database_error_is_djangos_and_the_connection_stays_usable(own):
    for _ in range(2):
        with pytest.raises(ProgrammingError, match='relation "no_such_table" does not exist'):
            fetch_one(own, "SELECT * FROM no_such_table")
    assert fetch_one(own, "SELECT 42") == (42,)


@pytest.fixture
def relayed_connection(db):
    """A second connection to the test database, through a Relay the test can hang."""
    relay = Relay((connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"])))
    relayed = own_connection(HOST="127.0.0.1", PORT=str(relay.port))
    relayed.inc_thread_sharing()  # made here, used in the test's thread
    yield relayed, relay
    relayed.close()
    relay.stop()


def test_the_deadline_holds_in_a_thread_with_no_timer(relayed_connection):
    relayed, relay = relayed_connection
    outcome = {}

    def read():
        relayed.ensure_connection()
        relay.hang()
        started = time.monotonic()
        try:
            with relayed.execute_wrapper(QueryDeadline(0.5)):
                fetch_one(relayed, "SELECT 1")
        except DatabaseTimedOut as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started
        outcome["closed"] = relayed.connection is None

    thread = threading.Thread(target=read)  # not the main thread: signals could not reach it
    thread.start()
    thread.join(10)
    assert str(outcome["error"]) == "The database did not answer within 0.5 s."
    assert 0.5 <= outcome["seconds"] < 1.5
    assert outcome["closed"]  # its state unknown, the connection is dropped
