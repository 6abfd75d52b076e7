"""Database faults answered as `503 Service Unavailable` within a deadline, never a hang or a 500.

A database that is down refuses connections at once; one that is hung (stopped, overloaded, cut off by the
network) accepts them and never answers. Connecting is bounded by `connect_timeout` (settings), and each query
of a web request by `DATABASE_STATEMENT_TIMEOUT`: on the server (its `statement_timeout`, so that it drops
queries a client gave up on) and in the worker, by a timer, since a server that does not run cannot enforce
its own timeout. A query past its deadline closes its connection (its state is unknown) and fails as the
database being unavailable; the error handler answers those with 503 and `Retry-After`. The next request
connects afresh, so the service recovers by itself when the database does.
"""

import signal
import threading
import time
from contextlib import ExitStack

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.db.backends.signals import connection_created

from .request_log import ARRIVAL_KEY

# Connection exceptions, insufficient resources, operator intervention (shutdown, statement timeout), and a
# read a replica cancelled for its recovery (serialization_failure: nothing here runs serializable).
UNAVAILABLE_SQLSTATES = ("08", "53", "57", "40001")
QUERY_CANCELED = "57014"
DEADLOCK_DETECTED = "40P01"


def first_line(error):
    """A database error (PostgreSQL's has DETAIL, HINT and CONTEXT lines) or another, in a line: what a
    command says of it."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"database error: {text}" if isinstance(error, DatabaseError) else text


class QueryDeadlineExpired(Exception):
    """Raised by the timer inside a query that ran past its deadline."""


class DatabaseTimedOut(OperationalError):
    """A query did not answer within its deadline: its connection is closed, and trying again at once on a
    new one would only wait as long again."""


def is_timeout(exception):
    """Whether `exception` is a query past its deadline: the worker's (DatabaseTimedOut) or the server's own
    `statement_timeout` (PostgreSQL's query_canceled). Trying again would only wait as long again."""
    if isinstance(exception, DatabaseTimedOut):
        return True
    return getattr(exception.__cause__, "sqlstate", None) == QUERY_CANCELED


def is_database_unavailable(exception):
    """Whether `exception` says the database could not be reached, dropped the connection, is shutting down,
    out of resources, too slow, or a replica behind on its recovery (not a bad query, a deadlock or a
    missing table: those stay 500s)."""
    if isinstance(exception, (DatabaseTimedOut, InterfaceError)):
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    if hasattr(cause, "sqlstate"):  # PostgreSQL: no state (could not connect), or its classes of it
        return cause.sqlstate is None or cause.sqlstate.startswith(UNAVAILABLE_SQLSTATES)
    if hasattr(cause, "sqlite_errorname"):
        return cause.sqlite_errorname in ("SQLITE_BUSY", "SQLITE_LOCKED")
    return True


def is_deadlock(exception):
    """Whether `exception` is PostgreSQL cancelling the transaction as one of two that waited for each other:
    the other went on, and the same work, run again, finds its rows free."""
    cause = exception.__cause__ if isinstance(exception, OperationalError) else None
    return getattr(cause, "sqlstate", None) == DEADLOCK_DETECTED


def retried_if_dropped(connection, read):
    """`read()` on `connection`; when the connection was kept from before and the database dropped it (a
    restart, a pooler, the network), it is replaced and `read()` tried once more. Not a timeout (it would
    only wait as long again), nor a read inside a transaction (which went with the connection)."""
    kept = connection.connection is not None and not connection.in_atomic_block
    try:
        return read()
    except (InterfaceError, OperationalError) as error:
        if not kept or is_timeout(error) or not is_database_unavailable(error):
            raise
        connection.close()
        return read()


def timer_bounds_queries():
    """Whether QueryDeadline's timer bounds this thread's queries: signals reach the main thread alone. In
    another (a threaded worker's, runserver's), a query waits as long as the server's own timeout lets it,
    but for the reads that wait on the connection's socket for the deadline (spacedevs/driver.py: the
    data state's, a page's documents)."""
    return threading.current_thread() is threading.main_thread()


class QueryDeadline:
    """An execute wrapper (`connection.execute_wrapper`): the queries under it answer within `seconds` of
    `started` (a time.perf_counter(); by default, when it is made), all together: a request's queries share
    its deadline, each getting what is left of it. (One by one, a database answering each query just inside
    the deadline would keep a request of many queries past gunicorn's worker timeout.)"""

    def __init__(self, seconds, started=None):
        self.seconds = seconds
        self.started = time.perf_counter() if started is None else started

    def restart(self):
        """The queries under it get the whole deadline again, from now."""
        self.started = time.perf_counter()

    def remaining(self):
        """The seconds left for the next query; DatabaseTimedOut when none are (the query is not sent, and
        its connection stays as it is)."""
        left = self.started + self.seconds - time.perf_counter()
        if left <= 0:
            raise self._timed_out()
        return left

    def __call__(self, execute, sql, params, many, context):
        if not self.seconds or not timer_bounds_queries():
            return execute(sql, params, many, context)
        left = self.remaining()
        previous = signal.signal(signal.SIGALRM, self._expire)
        try:
            try:
                signal.setitimer(signal.ITIMER_REAL, left)
                return execute(sql, params, many, context)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)  # inside: a timer that fires as it returns is caught
        except QueryDeadlineExpired:
            raise self.expired(context["connection"]) from None
        finally:
            signal.signal(signal.SIGALRM, previous)

    def expired(self, connection):
        """The error of a query past its deadline on `connection`, which is closed: its state is unknown."""
        connection.close()
        return self._timed_out()

    def _timed_out(self):
        return DatabaseTimedOut(f"The database did not answer within {self.seconds:g} s.")

    @staticmethod
    def _expire(signum, frame):
        raise QueryDeadlineExpired


def web_session_settings():
    """PostgreSQL's settings for the connections of web workers: the server's own deadline for each query,
    and no parallel workers. A page is the first rows of an ordered index walk; under a Gather Merge each of
    three processes walks its own share of the index until the page is full, tripling the work (one agency
    at 100,000 events: 43-50 ms a page, 7 ms without), and a request's helpers take the cores that other
    requests' processes need. (Commands keep PostgreSQL's defaults: an import's statements may rightly take
    long, and have the cores to themselves.)"""
    return {
        # In whole milliseconds, at least one: PostgreSQL's 0 is no timeout at all.
        "statement_timeout": str(max(1, round(settings.DATABASE_STATEMENT_TIMEOUT * 1000))),
        "max_parallel_workers_per_gather": "0",
    }


def set_web_session(sender, connection, **kwargs):
    """Gives a web worker's new connection web_session_settings() (PostgreSQL), in one round trip."""
    if connection.vendor == "postgresql":
        values = web_session_settings()
        calls = ", ".join(["set_config(%s, %s, false)"] * len(values))
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {calls}", [part for pair in values.items() for part in pair])
        except Exception:
            # Not kept without them (its request's deadline ran out, say): the next request connects anew.
            connection.close()
            raise


class QueryDeadlineMiddleware:
    """Puts the queries of a request under one statement deadline, from its arrival (before Django, when
    spacedevs/replay.py read the data state); connections that web requests open get the deadline on the
    server, for each statement, and the rest of web_session_settings(). Commands (imports, sync, migrations)
    have neither: their statements may rightly take longer."""

    def __init__(self, get_response):
        self.get_response = get_response
        if settings.DATABASE_STATEMENT_TIMEOUT:
            connection_created.connect(set_web_session, dispatch_uid="spacedevs-web-session")

    def __call__(self, request):
        arrival = request.META.get(ARRIVAL_KEY)
        deadline = QueryDeadline(settings.DATABASE_STATEMENT_TIMEOUT, started=arrival and arrival[0])
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(deadline))
            return self.get_response(request)
