"""Reads from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS), everything else on the primary.

Only the reads of API requests (GET and HEAD outside the admin) go to a replica: one replica per request, so
that the data state and the page it vouches for come from the same server. Writes, the admin (whose next
page must show its own save), commands (imports, sync, migrations) and a request's reads after a write of
its own all use the primary. A replica that lags shows an older data version, and the response cache keys
its answers by that version: it is never mistaken for newer data.
"""

import contextvars
import random

from django.conf import settings

PRIMARY = "default"
# The database the current request reads from (the primary outside API requests).
READS_FROM = contextvars.ContextVar("reads_from", default=PRIMARY)
# The WSGI environ's key for a choice made before Django (spacedevs/replay.py).
READS_FROM_KEY = "spacedevs.reads_from"


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias != PRIMARY]


class ReplicaRouter:
    """Sends the reads of API requests to their replica, and everything else to the primary."""

    def db_for_read(self, model, **hints):
        return READS_FROM.get()

    def db_for_write(self, model, **hints):
        READS_FROM.set(PRIMARY)  # this request's later reads must see its own write
        return PRIMARY

    def allow_relation(self, first, second, **hints):
        return True  # the replicas hold the primary's data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def reads_for(method, path_info, replicas):
    """The database a request reads from: one of `replicas` (aliases), chosen at random, for an API read."""
    if not replicas or method not in ("GET", "HEAD") or path_info.startswith("/admin/"):
        return PRIMARY
    return random.choice(replicas)


class ReplicaReadsMiddleware:
    """Chooses the database an API request reads from (or keeps the one spacedevs/replay.py chose, under
    READS_FROM_KEY, for the data state it read there)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.replicas = replica_aliases()

    def __call__(self, request):
        alias = request.META.get(READS_FROM_KEY) or reads_for(
            request.method, request.path_info, self.replicas
        )
        token = READS_FROM.set(alias)
        try:
            return self.get_response(request)
        finally:
            READS_FROM.reset(token)
