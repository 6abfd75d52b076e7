"""Reads from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS), everything else on the primary.

The primary vouches for the data of every API request: the request reads the data state there
(spacedevs/replay.py, DataStateMiddleware), and its other reads go to one replica, chosen at random, once
that replica is seen to hold the same data state (read there at the request's first other read, so that a
response the cache answers asks no replica). A replica behind the primary leaves the request on the
primary: with replicas or without, no response is older than the primary's data as the request arrived,
and a write is seen by the very next request. A replica that cannot say (down, too slow) leaves the request
on the primary too, and is asked nothing for DATABASE_RETRY_AFTER seconds. Writes, the admin (whose next
page must show its own save), commands (imports, sync, migrations) and a request's reads after a write of
its own all use the primary.
"""

import contextvars
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

from .faults import QueryDeadline

logger = logging.getLogger(__name__)

PRIMARY = "default"
# The database the current request reads from (the primary outside API requests), or the Candidate replica
# it will read from if that one holds the data the primary vouched for.
READS_FROM = contextvars.ContextVar("reads_from", default=PRIMARY)
# {alias: time.monotonic() until which this process asks it nothing}: replicas whose check failed.
_resting = {}


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias != PRIMARY]


@dataclass(frozen=True)
class Candidate:
    """The replica `alias` an API request reads from if `holds()`, read on it, says it holds the data the
    primary vouched for; else the primary."""

    alias: str
    holds: Callable[[], bool]


class ReplicaRouter:
    """Sends the reads of API requests to their replica, once it holds their data, and everything else to
    the primary."""

    def db_for_read(self, model, **hints):
        reads_from = READS_FROM.get()
        if isinstance(reads_from, Candidate):
            # The check reads on the replica by name (DataState.read_on), not through this router.
            reads_from = reads_from.alias if _holds(reads_from) else PRIMARY
            READS_FROM.set(reads_from)
        return reads_from

    def db_for_write(self, model, **hints):
        READS_FROM.set(PRIMARY)  # this request's later reads must see its own write
        return PRIMARY

    def allow_relation(self, first, second, **hints):
        return True  # the replicas hold the primary's data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def reads_a_replica():
    """Whether this request's reads go to a replica (or are to, once it holds their data)."""
    return READS_FROM.get() != PRIMARY


def read_from_the_primary():
    """This request's later reads go to the primary."""
    READS_FROM.set(PRIMARY)


def _holds(candidate):
    """Whether the candidate replica holds the request's data. One that cannot say (down, too slow) does not,
    and is left to rest for DATABASE_RETRY_AFTER seconds: the primary, which has just answered, serves, with
    the request's whole deadline again (a hung replica's check spent it; a request may meet both, as
    FAULT_WAIT allows)."""
    try:
        return candidate.holds()
    except DatabaseError as error:
        _resting[candidate.alias] = time.monotonic() + settings.DATABASE_RETRY_AFTER
        logger.warning("replica %s failed, reading from the primary: %s", candidate.alias, error)
        for wrapper in connections[PRIMARY].execute_wrappers:
            if isinstance(wrapper, QueryDeadline):
                wrapper.restart()
        return False


def reads_for(method, path_info, replicas):
    """The database a request may read from: one of `replicas` (aliases), at random, for an API read; none
    that is resting after a failure."""
    if not replicas or method not in ("GET", "HEAD") or path_info.startswith("/admin/"):
        return PRIMARY
    now = time.monotonic()
    awake = [alias for alias in replicas if _resting.get(alias, 0) <= now]
    return random.choice(awake) if awake else PRIMARY
