"""Leases of the data state between the writers' turns (spacedevs/turns.py): a read on the primary outside a
transaction, when no writer holds its turn, is taken as current for LEASE_SECONDS without reading again;
every writer changes the state no sooner than LEASE_SECONDS after it took its turn, so that a write is seen
by the very next read of every connection."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from spacedevs import turns
from spacedevs.models import DataState
from spacedevs.replicas import PRIMARY
from spacedevs.turns import WRITERS_LOCK, take_writers_turn

from .conftest import leases_of

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory locks"),
    pytest.mark.usefixtures("transactional_db"),
]


class Clock:
    """time for spacedevs.turns: monotonic as the machine's, moved on by what `sleep` was asked to wait."""

    def __init__(self):
        self.slept = []

    def monotonic(self):
        return time.monotonic() + sum(self.slept)

    def sleep(self, seconds):
        self.slept.append(seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(turns, "time", clock)
    return clock


def holds_writers_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
            "AND mode = 'ExclusiveLock' AND (classid::bigint << 32 | objid::bigint) = %s",
            [WRITERS_LOCK],
        )
        return cursor.fetchone()[0] == 1


def in_another_connection(work):
    """`work()` in a thread of its own (its own connection to the database), once it has returned."""
    failures = []

    def run():
        try:
            work()
        except BaseException as error:  # looked at in the test's thread
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def test_a_read_between_turns_is_leased_and_nothing_is_read_until_the_lease_ends():
    DataState.bump()
    with leases_of(60), CaptureQueriesContext(connection) as queries:
        state = DataState.read_on(PRIMARY)
        assert [DataState.leased_on(PRIMARY) for _ in range(3)] == [state] * 3
    _, read_the_row = DataState._postgresql_read(connection.ops.quote_name)
    assert [query["sql"] for query in queries] == [f"{turns.LEASE_STATEMENT}; {read_the_row}"]
    assert state.version == 1


def test_a_lease_ends():
    with leases_of(0.05):
        DataState.read_on(PRIMARY)
        time.sleep(0.06)
        assert DataState.leased_on(PRIMARY) is None


def test_no_lease_is_given_while_a_writer_holds_its_turn():
    holding, done = threading.Event(), threading.Event()

    def hold_the_turn():
        with transaction.atomic():
            take_writers_turn()
            holding.set()
            done.wait(30)

    with leases_of(60):
        thread, failures = in_another_connection(hold_the_turn)
        assert holding.wait(30)
        try:
            DataState.read_on(PRIMARY)
            assert DataState.leased_on(PRIMARY) is None
        finally:
            done.set()
            thread.join()
        assert not failures
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


def test_a_write_is_seen_by_the_next_read_of_a_connection_that_held_a_lease():
    written = []

    def write():
        started = time.monotonic()
        with transaction.atomic():
            DataState.bump()
        written.append(time.monotonic() - started)

    with leases_of(0.3):
        before = DataState.read_on(PRIMARY)
        thread, failures = in_another_connection(write)
        thread.join()
        assert not failures
        # The writer committed no sooner than the lease it could not see had ended.
        assert written[0] >= 0.3
        assert DataState.current().version == before.version + 1
        assert not before.is_current()


def test_a_writer_changes_the_state_a_lease_after_it_took_its_turn(clock):
    with transaction.atomic():
        take_writers_turn()
        turn = connection._spacedevs_turn.taken
        DataState.bump()
        assert len(clock.slept) == 1
        assert 0 < clock.slept[0] <= turns.LEASE_SECONDS
        assert clock.monotonic() >= turn + turns.LEASE_SECONDS
        DataState.bump()  # in the same turn, waited out already
        DataState.synced("https://ll.example", None)
    assert len(clock.slept) == 1


def test_a_writer_whose_own_work_outlasted_the_leases_does_not_wait(clock):
    with transaction.atomic():
        take_writers_turn()
        clock.sleep(turns.LEASE_SECONDS)  # the writer's own work
        DataState.bump()
    assert clock.slept == [turns.LEASE_SECONDS]


def test_a_turn_given_up_with_its_savepoint_is_taken_again_and_waited_out(clock):
    with transaction.atomic():
        try:
            with transaction.atomic():
                take_writers_turn()
                clock.sleep(turns.LEASE_SECONDS)
                raise RuntimeError
        except RuntimeError:
            pass
        assert not holds_writers_lock()  # PostgreSQL released it with the savepoint
        DataState.bump()
        assert holds_writers_lock()
        assert len(clock.slept) == 2
        assert clock.slept[1] > turns.LEASE_SECONDS / 2


def test_each_transaction_takes_its_own_turn(clock):
    for _ in range(2):
        with transaction.atomic():
            DataState.bump()
    assert len(clock.slept) == 2
