"""One log line per request, and a request id on every line logged while serving it (the lines' formats:
log_format.py)."""

import contextvars
import logging
import re
import secrets
import time

from .addresses import ClientAddress

REQUEST_ID = contextvars.ContextVar("request_id", default="-")
# WSGI environ key: (time.perf_counter() on arrival, request id), when the request was named before Django.
ARRIVAL_KEY = "spacedevs.arrival"
# A proxy's id is kept when it is a plain token; anything else (too long, spaces, quotes) is replaced.
# With a letter or a digit: a line logged outside any request says `-`.
PROXY_REQUEST_ID = re.compile(r"(?=.*[A-Za-z0-9])[A-Za-z0-9._:@/+=-]{1,200}")

logger = logging.getLogger("spacedevs.requests")
# The request's line; its fields are also the record's attributes (log_format.REQUEST_FIELDS).
REQUEST_LINE = "%(method)s %(path)s %(status)s %(duration_ms)sms %(client)s"
# The client's address as the throttle counts it (through TRUSTED_PROXIES), not the proxy's.
CLIENT = ClientAddress()


class RequestIdFilter(logging.Filter):
    """Gives each record the id of the request being served (`-` outside requests)."""

    def filter(self, record):
        record.request_id = REQUEST_ID.get()
        return True


class AsClientError(logging.Filter):
    """Makes a record of Django's security loggers (`django.security.<name of a SuspiciousOperation>`, each
    answered with a 400, which Django logs as a server's error, with its traceback) a warning without one:
    a client's error that its request line already shows (a Host header this server does not answer to, a
    form past Django's limits posted to the admin's sign-in page), whose message still says what was
    refused. A handler's filter: one on the `django.security` logger would not see its children's records."""

    def filter(self, record):
        if not record.name.startswith("django.security."):
            return True
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = None
        # The level it had passed was an error's: a warning goes where LOG_LEVEL lets warnings go.
        return logging.getLogger().isEnabledFor(logging.WARNING)


class EnvironRequest:
    """What DRF's throttles read of a request (`META`, `headers`), for a WSGI environ alone."""

    def __init__(self, environ):
        self.META = environ
        self.headers = self  # only ever asked for HTTP headers by name

    def get(self, name, default=None):
        return self.META.get(f"HTTP_{name.upper().replace('-', '_')}", default)


def request_id(given):
    """The id of a request whose `X-Request-ID` header is `given` ('' when absent)."""
    return given if PROXY_REQUEST_ID.fullmatch(given) else secrets.token_hex(16)


def log_request(method, path, status, started, meta):
    """The request's line: `started` is its time.perf_counter() on arrival, `meta` its WSGI environ."""
    if not logger.isEnabledFor(logging.INFO):
        return
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "client": CLIENT.get_ident(EnvironRequest(meta)) or "",
    }
    # Made as logger.info() makes a record, but for the search of the stack for its caller, always this
    # function, whose file, line and name no format shows: a quarter of the line's cost in a busy worker.
    line = fields | {"client": fields["client"] or "-"}  # in the line, an address none gave is `-`
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 0, REQUEST_LINE, (line,), None, "log_request", fields
    )
    logger.handle(record)


class RequestLogMiddleware:
    """Names each request (`X-Request-ID`, taken from the proxy or made here, and echoed in the response) and
    logs it once served: method, path, status, duration and client address. A request named and timed
    before Django (spacedevs/replay.py) keeps that name and that start."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        arrival = request.META.get(ARRIVAL_KEY)
        if arrival is None:
            arrival = time.perf_counter(), request_id(request.headers.get("X-Request-ID", ""))
        started, request.id = arrival
        token = REQUEST_ID.set(request.id)
        try:
            response = self.get_response(request)
            response.headers["X-Request-ID"] = request.id
            log_request(request.method, request.get_full_path(), response.status_code, started, request.META)
            return response
        finally:
            REQUEST_ID.reset(token)
