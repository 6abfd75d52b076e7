"""Writers take turns, and between their turns readers may lease the data state.

Every request reads the data state first, and a cache hit is nothing else: that read is most of what a hit
costs (a round trip to PostgreSQL, and the server's work on it). So a read on the primary, outside a
transaction, also tries the writers' lock, shared (`pg_try_advisory_xact_lock_shared`), before it reads the
row in a statement of its own: when no writer held the lock, the connection that read it may take that
state as current until LEASE_SECONDS after the read was sent, and read nothing until then. A request's
first read is always made (it also finds a connection the database dropped): a lease answers the hits
before Django (spacedevs/replay.py) and a computed response's read again (ResponseCacheMiddleware).

That is never stale because every writer takes the lock (`take_writers_turn`) before it changes the row, and
does not change it until LEASE_SECONDS after it took the lock (`wait_out_leases`): a lease given before a
writer's turn has ended before the writer can commit, and none is given during the turn (PostgreSQL
releases the lock once the commit is visible). LEASE_SECONDS must be the same in every process that reads
or writes a database. Writers wait only for what remains of it once their own work is done (an import's
batch takes longer), so an admin's save costs at most that much more; a worker reads the row at most once
per LEASE_SECONDS while the data does not change.
"""

import contextlib
import hashlib
import time

from django.db import DEFAULT_DB_ALIAS, connections, transaction

LEASE_SECONDS = 0.01


def advisory_lock_key(name):
    """The key of PostgreSQL's advisory lock `name` (a bigint): the same for every process and host."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


WRITERS_LOCK = advisory_lock_key("spacedevs writers")

# Tried in a statement before the one reading the row, so that the row is read after the lock was free (in
# PostgreSQL's default isolation, each statement of a transaction sees what was committed before it began).
# Not given at another isolation level, where the transaction's first statement fixes what it sees.
LEASE_STATEMENT = (
    f"SELECT pg_try_advisory_xact_lock_shared({WRITERS_LOCK}) "
    "AND current_setting('transaction_isolation') = 'read committed'"
)


def take_writers_turn(using=DEFAULT_DB_ALIAS):
    """Wait until the writers before this transaction have committed; the turn lasts until it ends. Outside a
    transaction (a turn would end with the statement) and on SQLite (whose writers take turns anyway), a
    write goes on."""
    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block and _turn_of(connection) is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITERS_LOCK])
        connection._spacedevs_turn = turn = _Turn(time.monotonic())
        transaction.on_commit(turn, using=using)


def wait_out_leases(using=DEFAULT_DB_ALIAS):
    """Called in the transaction of a change to the data state's row, before the change: takes the writers'
    turn if it has not, then waits until the leases given before the turn have ended."""
    take_writers_turn(using)
    turn = _turn_of(connections[using])
    if turn is not None:
        remaining = turn.taken + LEASE_SECONDS - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)


@contextlib.contextmanager
def changing_the_state(using=DEFAULT_DB_ALIAS):
    """The transaction (the caller's, or one of its own) of a change to the data state's row, once the
    leases are waited out."""
    with transaction.atomic(using=using, savepoint=False):
        wait_out_leases(using)
        yield


class _Turn:
    """The writers' turn of a transaction, taken at `taken` (time.monotonic()), kept among the transaction's
    on-commit callbacks (a no-op when called): it leaves them when the transaction ends, and when the
    savepoint it was taken in is rolled back, which gives up the lock too."""

    def __init__(self, taken):
        self.taken = taken

    def __call__(self):
        pass


def _turn_of(connection):
    """The _Turn the connection's transaction holds, if any."""
    turn = getattr(connection, "_spacedevs_turn", None)
    # run_on_commit: Django's list of (savepoint ids, callback, robust), as its own test tools read it.
    if turn is not None and any(callback is turn for _, callback, _ in connection.run_on_commit):
        return turn
    return None


def leased_state(connection):
    """The data state leased on `connection` (a thread's own), while the lease lasts; else None."""
    lease = getattr(connection, "_spacedevs_lease", None)
    if lease is not None and time.monotonic() < lease[1]:
        return lease[0]
    return None


def lease(connection, state, sent):
    """Lease `state` on `connection`: read by a statement sent at `sent` (time.monotonic()) that found the
    writers' lock free."""
    connection._spacedevs_lease = (state, sent + LEASE_SECONDS)


def end_lease(connection):
    connection._spacedevs_lease = None
