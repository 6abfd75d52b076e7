"""`/health/` and `/ready/` for load balancers, orchestrators and the container's HEALTHCHECK."""

import functools
import logging

from django.conf import settings
from django.db import connections
from django.http import HttpResponse
from rest_framework.exceptions import MethodNotAllowed

from .api.errors import CompactJsonResponse
from .driver import fetch_one
from .faults import is_database_unavailable, retried_if_dropped
from .replicas import PRIMARY

logger = logging.getLogger(__name__)


# The methods a probe answers, as every route of the API does: OPTIONS with them alone.
PROBE_METHODS = ("GET", "HEAD", "OPTIONS")
# Each probe at its path without the slash too: a load balancer's check is set by hand, and takes a redirect
# (the API's answer to such a path) for a failure.
PROBES = {"/health/": "health", "/health": "health", "/ready/": "ready", "/ready": "ready"}


class HealthMiddleware:
    """Answers the two probes before anything else runs (no session, cache, redirect or data state):
    `/health/` says the process serves requests; `/ready/` that it can also reach its primary database (503
    and `Retry-After` when it cannot, within the database's deadlines). Not the read replicas: requests read
    around one that cannot answer (spacedevs/replicas.py), so a replica down takes no host out of service.
    Their paths are under the script prefix, as every route's, with or without their slash; other methods
    are a 405, as everywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        allowed = {"Allow": ", ".join(PROBE_METHODS)}
        if request.method not in PROBE_METHODS:
            refused = MethodNotAllowed(request.method)  # DRF's own 405, as the API's views answer it
            return CompactJsonResponse(
                {"detail": refused.detail}, status=refused.status_code, headers=allowed
            )
        if request.method == "OPTIONS":
            return HttpResponse(headers=allowed)
        if probe == "health":
            return CompactJsonResponse({"status": "ok"})
        return self._ready()

    @staticmethod
    def _ready():
        connection = connections[PRIMARY]
        try:
            # A connection kept from before that the database dropped (a restart) is replaced, as a request's
            # first read replaces it: the database is there.
            retried_if_dropped(connection, functools.partial(_answer, connection))
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            connection.close()
            logger.warning("not ready: %s", error)
            return CompactJsonResponse(
                {"status": "unavailable", "detail": "The database is unavailable."},
                status=503,
                headers={"Retry-After": str(settings.DATABASE_RETRY_AFTER)},
            )
        return CompactJsonResponse({"status": "ok"})


def _answer(connection):
    if connection.vendor == "postgresql":
        fetch_one(connection, "SELECT 1")  # its wait bounded by the deadline, in any thread
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
