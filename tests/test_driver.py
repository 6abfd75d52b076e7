"""The reads on libpq itself (spacedevs/driver.py): rows, errors and the query log as Django's own queries
give them, one prepared statement per connection for the data state's, a page's text as the bytes
PostgreSQL sent, and the query deadline in any thread."""

import contextlib
import datetime
import threading
import time

import pytest
from django.db import OperationalError, ProgrammingError, connection, connections
from django.test.utils import CaptureQueriesContext
from psycopg import IsolationLevel, pq

from spacedevs import driver
from spacedevs.driver import fetch_all_rows, fetch_first_rows, fetch_one, fetch_texts
from spacedevs.faults import DatabaseTimedOut, QueryDeadline, is_database_unavailable

from .tcp_relay import Relay

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the driver's reads are PostgreSQL's (SQLite's go through Django)",
)


def own_connection(**settings):
    """A connection of its own to the test database (outside the test's transaction)."""
    return type(connections["default"])(connection.settings_dict | settings, alias="own")


@pytest.fixture
def own(db):
    own = own_connection()
    yield own
    own.close()


@contextlib.contextmanager
def in_transaction(connection):
    """As an atomic block starts on `connection` (nothing sent yet); rolled back at the end."""
    connection.set_autocommit(False)
    try:
        yield
    finally:
        connection.rollback()
        connection.set_autocommit(True)


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


def test_statements_the_server_forgot_are_prepared_again(own):
    sql = "SELECT 7 WHERE true"
    assert fetch_one(own, sql) == (7,)
    for reset in ("DEALLOCATE ALL", "DISCARD ALL"):  # as a connection pooler resets a session
        with own.cursor() as cursor:
            cursor.execute(reset)
        assert fetch_one(own, sql) == (7,)
        assert prepared_count(own, sql) == 1


def test_a_statement_whose_columns_changed_type_is_prepared_again(own):
    # PostgreSQL refuses to run it again ("cached plan must not change result type"), on every request of
    # every kept connection, once a migrate (or psql) has changed the type of a column it returns.
    with own.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE widened (name varchar(10))")
        cursor.execute("INSERT INTO widened VALUES ('short')")
    sql = "SELECT name FROM widened"
    assert fetch_one(own, sql) == ("short",)
    with own.cursor() as cursor:
        cursor.execute("ALTER TABLE widened ALTER COLUMN name TYPE varchar(200)")
    assert fetch_one(own, sql) == ("short",)
    assert fetch_one(own, sql) == ("short",)
    assert prepared_count(own, sql) == 1


def test_a_forgotten_statement_in_a_transaction_is_the_databases_error(own):
    sql = "SELECT 8 WHERE true"
    assert fetch_one(own, sql) == (8,)
    with in_transaction(own):
        with own.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # the transaction has begun: the failure aborts it
        with pytest.raises(ProgrammingError, match="does not exist"):
            fetch_one(own, sql)
    assert fetch_one(own, sql) == (8,)


def test_a_statement_the_session_has_already_is_used(own):
    sql = "SELECT 9 WHERE true"
    assert fetch_one(own, sql) == (9,)
    own._spacedevs_reads.prepared.clear()  # as a pooler's session prepared by another of its clients
    assert fetch_one(own, sql) == (9,)
    assert prepared_count(own, sql) == 1


def test_statements_sent_together_give_the_first_row_of_each_in_one_transaction(own):
    statements = ["SELECT 1::bigint, 'two'::text", "SELECT 1 WHERE false", *["SELECT txid_current()"] * 2]
    with CaptureQueriesContext(own) as queries:
        first, none, (one,), (other,) = fetch_first_rows(own, statements)
    assert [query["sql"] for query in queries] == ["; ".join(statements)]
    assert (first, none) == ((1, "two"), None)
    assert one == other
    assert own.connection.info.transaction_status == pq.TransactionStatus.IDLE


def test_statements_sent_together_give_every_row_of_each_typed_with_parameters_merged(own):
    statements = [
        ("SELECT x, x::text FROM generate_series(1, %s) AS x", [3]),
        (
            "SELECT %s::text, NULL::timestamptz, %s::timestamptz",
            ["l'Île; “quoted” %s", datetime.datetime(2031, 1, 2, tzinfo=datetime.UTC)],
        ),
        ("SELECT 1 WHERE false", []),
    ]
    with CaptureQueriesContext(own) as queries:
        rows = fetch_all_rows(own, statements)
    assert rows == [
        [(1, "1"), (2, "2"), (3, "3")],
        [("l'Île; “quoted” %s", None, datetime.datetime(2031, 1, 2, tzinfo=datetime.UTC))],
        [],
    ]
    assert len(queries) == 1  # one round trip


@pytest.mark.parametrize(
    "read_together",
    [
        lambda connection, statements: fetch_first_rows(connection, statements),
        lambda connection, statements: fetch_all_rows(connection, [(sql, []) for sql in statements]),
    ],
)
def test_an_error_among_statements_sent_together_is_djangos_and_ends_their_transaction(own, read_together):
    with pytest.raises(ProgrammingError, match='relation "no_such_table" does not exist'):
        read_together(own, ["SELECT pg_advisory_xact_lock(7)", "SELECT * FROM no_such_table"])
    assert own.connection.info.transaction_status == pq.TransactionStatus.IDLE
    held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    assert fetch_first_rows(own, [held]) == [(0,)]


@pytest.mark.parametrize(
    "read_two",
    [
        lambda connection: fetch_first_rows(connection, ["SELECT 1", "SELECT 2"]),
        lambda connection: fetch_all_rows(connection, [("SELECT 1", []), ("SELECT 2", [])]),
    ],
)
def test_a_connection_ended_before_every_statement_is_answered_is_the_database_unavailable(
    own, monkeypatch, read_two
):
    every_result = driver._Exchange.results
    # As _Exchange.results() gives what came before the server closed the connection.
    monkeypatch.setattr(driver._Exchange, "results", lambda exchange, pg: every_result(exchange, pg)[:1])
    with pytest.raises(OperationalError) as raised:
        read_two(own)
    assert is_database_unavailable(raised.value)


def test_a_read_in_a_transaction_is_part_of_it(own):
    with in_transaction(own):
        [(read_in,)] = [fetch_one(own, "SELECT pg_current_xact_id()::text")]
        with own.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text")
            assert cursor.fetchone() == (read_in,)


def test_a_read_begins_a_transaction_as_psycopg_would(db):
    serializable = own_connection(OPTIONS={"isolation_level": IsolationLevel.SERIALIZABLE})
    try:
        with in_transaction(serializable):
            assert fetch_one(serializable, "SHOW transaction_isolation") == ("serializable",)
    finally:
        serializable.close()


def test_a_server_that_ends_the_connection_gives_its_own_error(own):
    [(pid,)] = [fetch_one(own, "SELECT pg_backend_pid()")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(OperationalError) as raised:
        fetch_one(own, "SELECT 1")
    assert raised.value.__cause__.sqlstate == "57P01"  # admin_shutdown


def test_a_value_that_cannot_be_sent_is_a_django_error(own):
    with pytest.raises(ProgrammingError, match="cannot adapt type 'object'"):
        fetch_texts(own, "SELECT %s", [object()])
    assert fetch_texts(own, "SELECT %s", [1]) == [(b"1",)]


def test_texts_come_as_sent_with_parameters_merged_as_django_merges_them(own):
    sql = "SELECT %s::bigint, %s::text, %s::text, NULL::text, %s::timestamptz"
    params = [7, "l'Île \\ “quoted” 🚀", "%s", datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)]
    with CaptureQueriesContext(own) as queries:
        rows = fetch_texts(own, sql, params)
    assert rows == [(b"7", params[1].encode(), b"%s", None, b"2031-01-02 03:04:05+00")]
    with own.cursor() as cursor:
        cursor.execute(sql, params)
        assert [query["sql"] for query in queries] == [own.ops.last_executed_query(cursor, sql, params)]
    assert fetch_texts(own, "SELECT 1 WHERE false", []) == []


@pytest.fixture
def relayed_connection(db):
    """A second connection to the test database, through a Relay the test can hang."""
    relay = Relay((connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"])))
    relayed = own_connection(HOST="127.0.0.1", PORT=str(relay.port))
    relayed.inc_thread_sharing()  # made here, used in the test's thread
    yield relayed, relay
    relayed.close()
    relay.stop()


# The reads on libpq, each with its own way to the server (a prepared statement, a simple query, several).
READS = pytest.mark.parametrize(
    "read",
    [
        lambda connection: fetch_one(connection, "SELECT 1"),
        lambda connection: fetch_texts(connection, "SELECT %s", [1]),
        lambda connection: fetch_all_rows(connection, [("SELECT %s", [1]), ("SELECT 2", [])]),
    ],
)


def read_in_a_thread(relayed, read):
    """`read` on `relayed` under a 0.5 s deadline, in a thread of its own (not the main thread, where a
    timer's signal could end it); the thread and its outcome, filled in as it ends."""
    outcome = {}

    def deadlined_read():
        started = time.monotonic()
        try:
            with relayed.execute_wrapper(QueryDeadline(0.5)):
                read(relayed)
        except DatabaseTimedOut as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started
        outcome["closed"] = relayed.connection is None

    thread = threading.Thread(target=deadlined_read)
    thread.start()
    return thread, outcome


def assert_timed_out(outcome):
    assert str(outcome["error"]) == "The database did not answer within 0.5 s."
    assert 0.5 <= outcome["seconds"] < 1.5
    assert outcome["closed"]  # its state unknown, the connection is dropped


@READS
def test_the_deadline_holds_in_a_thread_with_no_timer(relayed_connection, read):
    relayed, relay = relayed_connection
    relayed.ensure_connection()
    relay.hang()
    thread, outcome = read_in_a_thread(relayed, read)
    thread.join(10)
    assert_timed_out(outcome)


@READS
def test_the_deadline_holds_until_the_server_is_ready_again(relayed_connection, read):
    # The answer arrives, but not the message saying the server is done: waited for within the deadline
    # too, and without stopping the worker's other threads. (A read blocking in libpq with the GIL held
    # would stop this relay's threads too: the test would hang, not fail.)
    relayed, relay = relayed_connection
    relayed.ensure_connection()
    read(relayed)  # prepared, for the read that prepares
    relay.withhold_ready(3)
    thread, outcome = read_in_a_thread(relayed, read)
    ticks = 0
    while thread.is_alive():
        time.sleep(0.05)
        ticks += 1
    assert_timed_out(outcome)
    assert ticks >= 8  # this thread ran while the other waited
