"""Leases of the data state between the writers' turns (spacedevs/turns.py): a read on the primary outside a
transaction, when no writer holds its turn, is taken as current for LEASE_SECONDS without reading again;
every change to the state's row waits until LEASE_SECONDS after its transaction took the turn (a trigger,
whoever writes), so that a write is seen by the very next read of every connection."""

import importlib
import os
import select
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from spacedevs import models, turns
from spacedevs.models import DataState
from spacedevs.replicas import PRIMARY
from spacedevs.turns import (
    LEASE_SECONDS,
    WRITERS_LOCK,
    lease_clock,
    lease_statement,
    leased_state,
    take_writers_turn,
)

from .conftest import leases_of
from .writers import Elsewhere, TurnHeldElsewhere, WriterElsewhere

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory locks"),
    pytest.mark.usefixtures("transactional_db"),
]
TABLE = DataState._meta.db_table


def execute(sql, on=connection):
    with on.cursor() as cursor:
        cursor.execute(sql)


def holds_writers_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
            "AND mode = 'ExclusiveLock' AND (classid::bigint << 32 | objid::bigint) = %s",
            [WRITERS_LOCK],
        )
        return cursor.fetchone()[0] == 1


def seconds_taken(change):
    started = time.monotonic()
    change()
    return time.monotonic() - started


# --- Readers -------------------------------------------------------------------------------------------


def test_a_read_between_turns_is_leased_and_nothing_is_read_until_the_lease_ends():
    DataState.bump()
    with leases_of(60), CaptureQueriesContext(connection) as queries:
        state = DataState.read_on(PRIMARY)
        assert [DataState.leased_on(PRIMARY) for _ in range(3)] == [state] * 3
    _, read_the_row = DataState._postgresql_read(connection.ops.quote_name)
    assert [query["sql"] for query in queries] == [f"{lease_statement(TABLE)}; {read_the_row}"]
    assert state.version == 1


def test_a_lease_runs_from_before_the_read_was_sent(monkeypatch):
    read = models.fetch_first_rows

    def slow_answer(*args):
        rows = read(*args)
        time.sleep(0.05)
        return rows

    monkeypatch.setattr(models, "fetch_first_rows", slow_answer)
    before = lease_clock()
    state = DataState.read_on(PRIMARY)
    leased, until = connection._spacedevs_lease
    assert leased is state
    assert before + LEASE_SECONDS <= until < before + LEASE_SECONDS + 0.05


def test_a_lease_ends():
    with leases_of(0.05):
        DataState.read_on(PRIMARY)
        time.sleep(0.06)
        assert DataState.leased_on(PRIMARY) is None


def test_no_lease_is_given_while_a_writer_holds_its_turn():
    with leases_of(60):
        with TurnHeldElsewhere():
            DataState.read_on(PRIMARY)
            assert DataState.leased_on(PRIMARY) is None
        state = DataState.read_on(PRIMARY)
        assert DataState.leased_on(PRIMARY) is state


def test_no_lease_is_given_or_taken_inside_a_transaction():
    with leases_of(60):
        with transaction.atomic():
            DataState.read_on(PRIMARY)
            assert DataState.leased_on(PRIMARY) is None
        assert DataState.leased_on(PRIMARY) is None
        state = DataState.read_on(PRIMARY)
        with transaction.atomic():
            assert DataState.leased_on(PRIMARY) is None
        assert DataState.leased_on(PRIMARY) is state


def leased_while(setting, undone_by):
    """Whether a read is leased with `setting` (SQL) in force; and after `undone_by` (SQL), which must be."""
    execute(setting)
    try:
        DataState.read_on(PRIMARY)
        leased = DataState.leased_on(PRIMARY) is not None
    finally:
        execute(undone_by)
    DataState.read_on(PRIMARY)
    assert DataState.leased_on(PRIMARY) is not None
    return leased


@pytest.mark.parametrize("isolation", ["repeatable read", "serializable"])
def test_no_lease_is_given_where_a_transactions_first_statement_fixes_what_it_sees(isolation):
    setting = f"SET default_transaction_isolation = '{isolation}'"
    assert not leased_while(setting, undone_by="RESET default_transaction_isolation")


@pytest.mark.parametrize("firing", ["DISABLE", "ENABLE", "ENABLE REPLICA"])
def test_no_lease_is_given_unless_the_trigger_that_makes_writers_wait_always_fires(firing):
    trigger = f"ALTER TABLE {TABLE} {{}} TRIGGER {turns.WAITING_TRIGGER}"
    assert not leased_while(trigger.format(firing), undone_by=trigger.format("ENABLE ALWAYS"))


def test_no_lease_is_given_or_taken_in_a_transaction_begun_by_sql():
    DataState.bump()
    with leases_of(60):
        state = DataState.read_on(PRIMARY)
        execute("BEGIN")
        try:
            assert DataState.leased_on(PRIMARY) is None
            execute(f"UPDATE {TABLE} SET version = 999")  # rolled back: no lease may show it
            assert DataState.read_on(PRIMARY).version == 999
        finally:
            execute("ROLLBACK")
        assert DataState.leased_on(PRIMARY) is state


def test_readers_do_not_keep_each_other_from_a_lease():
    def try_the_lock_shared(ready, go):
        with transaction.atomic():
            execute(f"SELECT pg_try_advisory_xact_lock_shared({WRITERS_LOCK})")
            ready.set()
            go.wait(30)

    reader = Elsewhere(try_the_lock_shared)
    try:
        DataState.read_on(PRIMARY)
        assert DataState.leased_on(PRIMARY) is not None
    finally:
        reader.finish()


def test_a_lease_is_given_on_the_primary_alone():
    other = type(connections[PRIMARY])(connection.settings_dict, alias="replica")
    try:
        DataState._read(other)
        assert leased_state(other) is None
    finally:
        other.close()


def test_a_request_takes_the_state_leased_as_a_hit_does(client):
    with leases_of(60):
        requests = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/2.3.0/events/", HTTP_ACCEPT="application/json").status_code == 200
            requests.append([query["sql"] for query in queries])
    reads_of_the_state = [sum(TABLE in sql for sql in request) for request in requests]
    # The first request reads it (and its read again, once computed, is leased); the second reads nothing.
    assert reads_of_the_state == [1, 0]


def test_a_request_outside_the_main_thread_reads_the_state_under_a_lease(client):
    # No timer bounds the view's queries there: the read, bounded on the socket, is its first query
    # (faults.timer_bounds_queries).
    answers = []

    def request():
        try:
            DataState.read_on(PRIMARY)  # this thread's connection takes a lease
            with CaptureQueriesContext(connections[PRIMARY]) as queries:
                status = client.get("/2.3.0/events/", HTTP_ACCEPT="application/json").status_code
            answers.append((status, sum(TABLE in query["sql"] for query in queries)))
        finally:
            connections.close_all()

    with leases_of(60):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    assert answers == [(200, 1)]


def test_a_lease_is_taken_from_a_quiet_connection_alone():
    with leases_of(60):
        state = DataState.read_on(PRIMARY)
        assert DataState.leased_on(PRIMARY) is state
        watched = connection.connection.pgconn.socket
        connection.close()  # the next query opens another: the lease stands
        assert DataState.leased_on(PRIMARY) is state
        # The closed socket's number, given to what is always readable: the next connection's socket is
        # another, and is the one watched.
        always_readable = os.open(os.devnull, os.O_RDONLY)
        if always_readable != watched:
            os.dup2(always_readable, watched)
        try:
            state = DataState.read_on(PRIMARY)
            assert DataState.leased_on(PRIMARY) is state
        finally:
            os.close(always_readable)
            if always_readable != watched:
                os.close(watched)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        execute(f"SELECT pg_terminate_backend({pid})", on=(other := connection.copy()))
        other.close()
        # The server's word that it ends the connection has come in.
        assert select.select([connection.connection.pgconn.socket], [], [], 10)[0]
        assert DataState.leased_on(PRIMARY) is None
        DataState.read_on(PRIMARY)  # which replaces it
    assert connection.connection.info.backend_pid != pid


# --- Writers -------------------------------------------------------------------------------------------


def test_a_change_to_the_state_waits_a_lease_from_its_transactions_turn():
    for _ in range(2):  # each transaction its own turn
        started = time.monotonic()
        with transaction.atomic():
            take_writers_turn()
            DataState.bump()
            assert time.monotonic() - started >= LEASE_SECONDS


@pytest.mark.parametrize("writer", ["takes its turn", "changes the row alone"])
def test_the_wait_runs_from_when_the_turn_was_given_not_asked_for(writer):
    with TurnHeldElsewhere() as other:
        other.release_in(0.1)
        with transaction.atomic():
            if writer == "takes its turn":
                take_writers_turn()  # waits for the other's turn to end
            execute(f"UPDATE {TABLE} SET version = version + 1")
            changed = time.monotonic()
    assert changed - other.released >= LEASE_SECONDS


def test_a_writer_that_changes_the_row_alone_waits_behind_one_in_its_turn_without_deadlock():
    """The trigger takes the turn before the statement locks the row: taken with the row locked, it would
    wait for a writer in its turn that waits for the row."""
    DataState.bump()

    def bump_in_a_turn(ready, go):
        with transaction.atomic():
            take_writers_turn()
            ready.set()
            time.sleep(0.3)
            DataState.bump()

    writer = Elsewhere(bump_in_a_turn)
    time.sleep(0.1)
    execute(f"UPDATE {TABLE} SET version = version + 1")
    writer.finish()
    assert DataState.read_on(PRIMARY).version == 3


def test_taking_the_turn_notes_when_for_the_trigger():
    with transaction.atomic():
        before = time.time()
        take_writers_turn()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s)::double precision", [turns.TURN_SETTING])
            taken = cursor.fetchone()[0]
    assert before - 1 < taken < time.time() + 1


INSERT = f"INSERT INTO {TABLE} (id, version, synced_from, served_by) VALUES (1, 0, '', '')"


@pytest.mark.parametrize(
    "change",
    [f"UPDATE {TABLE} SET version = version + 1", INSERT, f"DELETE FROM {TABLE}", f"TRUNCATE {TABLE}"],
    ids=["update", "insert", "delete", "truncate"],
)
@pytest.mark.parametrize("turn", ["none", "the lock alone", "replica mode"])
def test_every_change_to_the_state_waits_whoever_makes_it(change, turn):
    """A writer that took no turn (psql, a migration), took the lock without noting when (this code before
    leases, still running through a rolling deploy), or writes as a replica (a restore, logical
    replication)."""
    execute(f"DELETE FROM {TABLE}")
    if change != INSERT:
        execute(INSERT)
    with transaction.atomic():
        if turn == "the lock alone":
            execute(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})")
        elif turn == "replica mode":
            execute("SET LOCAL session_replication_role = replica")
        assert seconds_taken(lambda: execute(change)) >= LEASE_SECONDS
        assert holds_writers_lock()


def test_a_turn_given_up_with_a_savepoint_is_taken_again_and_waited_out():
    with transaction.atomic():
        savepoint = transaction.savepoint()
        take_writers_turn()
        time.sleep(LEASE_SECONDS)  # what the writer did in its turn, rolled back
        transaction.savepoint_rollback(savepoint)
        assert not holds_writers_lock()  # PostgreSQL released it with the savepoint
        assert seconds_taken(DataState.bump) >= LEASE_SECONDS
        assert holds_writers_lock()


def test_a_write_is_seen_by_the_next_read_of_a_connection_that_held_a_lease():
    writer = WriterElsewhere()
    before = DataState.read_on(PRIMARY)
    writer.write()
    assert DataState.current().version == before.version + 1
    assert not before.is_current()


def test_taking_the_trigger_away_waits_out_the_leases_it_let_readers_take():
    migration = importlib.import_module("spacedevs.migrations.0007_writers_wait_out_leases")
    assert not migration.Migration.atomic  # each step committed, as the reader sees it
    readers_stop, *dropping = migration.DROP
    always = f"ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER {turns.WAITING_TRIGGER}"
    assert not leased_while(readers_stop, undone_by=always)
    with transaction.atomic():
        with connection.schema_editor(atomic=False) as editor:
            assert seconds_taken(lambda: migration.run(dropping)(None, editor)) >= LEASE_SECONDS
        transaction.set_rollback(True)


def test_no_lease_is_given_with_autocommit_off():
    """The read would be the first of a transaction, which would hold the lock's try until it ended."""
    with leases_of(60):
        connection.set_autocommit(False)
        try:
            DataState.read_on(PRIMARY)
        finally:
            connection.rollback()
            connection.set_autocommit(True)
        assert DataState.leased_on(PRIMARY) is None


def test_the_time_the_turn_was_taken_is_read_back_as_it_was_noted():
    """Whatever the session's float format: rounded, a time read back could lie years ahead."""
    execute("SET extra_float_digits = -15")
    try:
        with transaction.atomic():
            execute("SET LOCAL statement_timeout = '5s'")
            execute(f"UPDATE {TABLE} SET version = version + 1")
            assert seconds_taken(lambda: execute(f"UPDATE {TABLE} SET version = version + 1")) < 1
    finally:
        execute("RESET extra_float_digits")


def test_the_triggers_migration_waits_as_long_as_the_code_leases():
    migration = importlib.import_module("spacedevs.migrations.0007_writers_wait_out_leases")
    assert migration.WRITERS_LOCK == WRITERS_LOCK
    assert migration.TURN_SETTING == turns.TURN_SETTING
    assert migration.TRIGGER == turns.WAITING_TRIGGER
    assert migration.LEASE_SECONDS == LEASE_SECONDS
    assert migration.TABLE == TABLE
