"""Writers take turns, and between their turns readers may lease the data state.

Every request takes the data state first, and a cache hit is nothing else: reading it was most of what a
hit cost (a round trip to PostgreSQL, and the server's work on it). So a read on the primary, outside a
transaction, also tries the writers' lock, shared (`pg_try_advisory_xact_lock_shared`), before it reads the
row in a statement of its own: when no writer held the lock, the connection that read it may take that
state as current until LEASE_SECONDS after the read was sent, and read nothing until then: a lease answers
the hits before Django (spacedevs/replay.py), a request's first read in Django (DataStateMiddleware, in
the main thread) and a computed response's read again (ResponseCacheMiddleware). A lease is taken only
while its connection has nothing to say: the read it spares also finds a connection the database dropped,
and replaces it.

That is never stale because every change to the row waits until LEASE_SECONDS after its transaction took
the lock (a trigger in the database, spacedevs/migrations/0007: it takes the lock itself for a writer that
has not), and no lease is given while a writer holds it: a lease given before a writer's turn has ended
before the writer can commit, and PostgreSQL releases the lock only once the commit is visible. Writers
wait only for what remains of LEASE_SECONDS once their own work is done (an import's batch takes longer),
and a worker reads the row at most once per LEASE_SECONDS while the data does not change. No lease is
given without the trigger, nor at an isolation level where a transaction's first statement fixes what the
later ones see.

The trigger waits for the turn with its statement's table lock held: a statement that locks the table
first (TRUNCATE, a flush, a migration altering it) must take the turn before it (take_writers_turn), or it
may deadlock with a writer in its turn that then changes the row (PostgreSQL cancels one of the two).
"""

import functools
import hashlib
import select
import time

from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import pq

LEASE_SECONDS = 0.01  # the trigger's too: spacedevs/migrations/0007
# Leases are timed on a clock that runs on while the host is suspended (Linux's; elsewhere the monotonic
# clock, which may not): a lease must not outlast its time through a suspend.
LEASE_CLOCK = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)


def lease_clock():
    """Now, in seconds, on the clock leases are timed by."""
    return time.clock_gettime(LEASE_CLOCK)


def advisory_lock_key(name):
    """The key of PostgreSQL's advisory lock `name` (a bigint): the same for every process and host."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


WRITERS_LOCK = advisory_lock_key("spacedevs writers")
# When the transaction took the writers' lock (seconds since the epoch on the database's clock), for the
# trigger to wait from.
TURN_SETTING = "spacedevs.turn_taken"
WAITING_TRIGGER = "spacedevs_wait_out_leases"

# The lock taken before the time is noted (a materialized CTE is read before the row it gives is projected);
# the time of an earlier turn in the transaction is kept. Both go with a savepoint rolled back.
TAKE_TURN = (
    f"WITH turn AS MATERIALIZED (SELECT pg_advisory_xact_lock({WRITERS_LOCK})) "
    f"SELECT set_config('{TURN_SETTING}', "
    f"coalesce(nullif(current_setting('{TURN_SETTING}', true), ''), "
    "extract(epoch FROM clock_timestamp())::text), true) FROM turn"
)


@functools.cache
def lease_statement(table):
    """The statement before the one reading the data state's row (in `table`): true when a lease may be
    given. Each statement of a transaction sees what was committed before it began (in PostgreSQL's default
    isolation), so the row is read after the lock was found free."""
    return (
        f"SELECT pg_try_advisory_xact_lock_shared({WRITERS_LOCK}) "
        "AND current_setting('transaction_isolation') = 'read committed' AND NOT pg_is_in_recovery() "
        f"AND EXISTS (SELECT FROM pg_trigger WHERE tgrelid = '{table}'::regclass "
        f"AND tgname = '{WAITING_TRIGGER}' AND tgenabled = 'A') "
        # A subscription's target: logical replication applies its changes firing no statement trigger.
        f"AND NOT EXISTS (SELECT FROM pg_subscription_rel WHERE srrelid = '{table}'::regclass)"
    )


def take_writers_turn(using=DEFAULT_DB_ALIAS):
    """Wait until the writers before this transaction have committed; the turn lasts until it ends. Outside a
    transaction (a turn would end with the statement) and on SQLite (whose writers take turns anyway), a
    write goes on."""
    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(TAKE_TURN)


def may_lease(connection):
    """Whether a read on `connection` may give a lease or take one: on PostgreSQL, outside a transaction
    (Django's, one begun by SQL, or any with autocommit off), where a read would see what the transaction
    changed and the lock's try would last as long as it does."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    # Asked of the driver: Django's get_autocommit() would open a connection that is closed. (Of libpq's
    # connection: psycopg's `info` makes an object and an enum for it, at every cache hit.)
    driver = connection.connection
    if driver is None:
        return True
    return driver.autocommit and driver.pgconn.transaction_status == pq.TransactionStatus.IDLE


def leased_state(connection):
    """The data state leased on `connection` (a thread's own), while the lease lasts and the connection is
    quiet; else None."""
    held = getattr(connection, "_spacedevs_lease", None)
    if held is not None and lease_clock() < held[1] and is_quiet(connection):
        return held[0]
    return None


def is_quiet(connection):
    """Whether `connection`'s socket has nothing to read (a closed connection is quiet: the next query opens
    another). Between queries the server speaks only when it ends the connection: a restart, an
    administrator's pg_terminate_backend, a pooler or a timeout, each of which sends its error or closes
    the socket. A read then finds the connection dropped and replaces it (faults.retried_if_dropped),
    where a lease would leave the request's next query to fail on it."""
    driver = connection.connection
    if driver is None:
        return True
    # A poller kept per libpq connection: making one, and asking psycopg for the socket, cost a hit 3 µs.
    watched = getattr(connection, "_spacedevs_watch", None)
    if watched is None or watched[0] is not driver.pgconn:
        poller = select.poll()
        poller.register(driver.pgconn.socket, select.POLLIN)
        watched = connection._spacedevs_watch = (driver.pgconn, poller)
    return not watched[1].poll(0)


def lease(connection, state, sent):
    """Lease `state` on `connection`: read by a statement sent at `sent` (lease_clock()) that found the
    writers' lock free."""
    connection._spacedevs_lease = (state, sent + LEASE_SECONDS)


def end_lease(connection):
    """Forget the state leased on `connection` (a test's data is flushed without the writers' turn)."""
    connection._spacedevs_lease = None
