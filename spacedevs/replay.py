"""Cache hits answered before Django: the last response to each exact request, replayed while the data
state it was computed from is still the database's.

Django's handler and middleware cost a cache hit several times what the hit itself costs, so the WSGI
application is wrapped by `ReplayedResponses`. Each GET response that the response cache
(spacedevs/response_cache.py) marks replayable is kept in the worker's memory with its final headers,
under the request's every input that can shape it (scheme, host, path, query, `Accept`,
`Accept-Encoding`, `Origin`). When the same request comes again, this takes the data state leased
(spacedevs/turns.py: a hit reads nothing then), or reads it (the one query of a hit, under the query
deadline, from the primary: spacedevs/replicas.py), and replays the response when the state's tag is the
one the response was computed from and its time window has not ended;
`If-None-Match` and `If-Modified-Since` get their 304 the same way, and HEAD the headers alone. A hit
counts towards the client's limit, is logged like any request, and one that read the state ends as
Django's requests end.
Anything else goes to Django, with the data state already read (DataStateMiddleware).
Requests with an `Authorization: Token` header go to Django: their key is checked there.
"""

import operator
import time
from types import SimpleNamespace

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections
from django.http.cookie import parse_cookie
from django.utils import timezone

from .faults import QueryDeadline
from .held_bytes import HeldBytes
from .middleware import DATA_STATE_ERROR_KEY, DATA_STATE_KEY
from .models import DataState
from .preconditions import conditional_response, is_conditional
from .replicas import PRIMARY
from .request_log import ARRIVAL_KEY, REQUEST_ID, EnvironRequest, log_request, request_id
from .response_cache import cache_control, carries_csrf_cookie, is_personal
from .throttling import REFUSED_KEY, sends_key, throttle_for
from .timestamps import iso_utc

# The request's inputs that can change a replayable response (its body or headers).
KEY_VARIABLES = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_ORIGIN",
)
# Headers made afresh for each request, not replayed.
PER_REQUEST_HEADERS = {"x-request-id", "x-mirror-synced-at", "cache-control"}
# What a recording costs beyond the text it keeps (its body, headers, path and key): its objects, as counted
# against REPLAY_BYTES; measured with tracemalloc, about 7 KB for a 50-byte body.
RECORDING_OVERHEAD = 8 * 1024


class Recording:
    """One response kept for replay: its headers (but the per-request ones), its body, what the response
    cache said of it (`replayable`: the data state's tag, validators, time window, logged path), and the
    headers of Django's 304 to the same request once Django has given one. Its `size` counts what it keeps
    and the `key` it is kept under: a request's headers can make either large (repeated header lines are
    joined into one value, up to gunicorn's 100 of 8 KB)."""

    def __init__(self, key, replayable, headers, body):
        self.replayable = replayable
        self.headers = kept_headers(headers)
        self.body = body
        self.not_modified_headers = None
        headers_size = sum(len(name) + len(value) for name, value in self.headers)
        kept_size = len(body) + headers_size + len(replayable.path) + key_size(key)
        self.size = kept_size + RECORDING_OVERHEAD

    def serves(self, state):
        """Whether this response is still the one for the data in `state`, now."""
        replayable = self.replayable
        current = state.tag_for(replayable.shows_sync) == replayable.tag
        return current and (replayable.valid_until is None or timezone.now() < replayable.valid_until)


def key_size(key):
    """The characters of a recording's key (its values; None for a header absent)."""
    return sum(len(value) for value in key if value is not None)


def kept_headers(headers):
    return [(name, value) for name, value in headers if name.lower() not in PER_REQUEST_HEADERS]


class FinishingBody(list):
    """The body of a replay that started its request as Django starts one (it read the data state), which the
    server closes once it is sent: that ends the request as Django's responses end theirs
    (`request_finished`: among others, connections past CONN_MAX_AGE are closed). A replay of a leased state
    starts nothing, and touches no connection, to finish."""

    def close(self):
        request_finished.send(sender=ReplayedResponses)


def djangos_to_answer(environ):
    """Whether a request must go to Django whatever was recorded: a keyed one (its key is checked there),
    one with a session cookie (a stale one is cleared in the answer) or a CSRF cookie (one Django cannot read
    is replaced), one with a precondition that can fail (`If-Match`, `If-Unmodified-Since`: a 412)."""
    if "HTTP_IF_MATCH" in environ or "HTTP_IF_UNMODIFIED_SINCE" in environ:
        return True
    if "HTTP_AUTHORIZATION" in environ and sends_key(EnvironRequest(environ)):
        return True
    if "HTTP_COOKIE" not in environ:
        return False
    cookies = parse_cookie(environ["HTTP_COOKIE"])
    return settings.SESSION_COOKIE_NAME in cookies or carries_csrf_cookie(cookies)


def is_not_modified(environ, replayable):
    """Whether the request already has the recorded 200 that `replayable` describes (`If-None-Match`, else
    `If-Modified-Since`, as ResponseCacheMiddleware evaluates them)."""
    if not is_conditional(environ):
        return False
    conditional = SimpleNamespace(method=environ["REQUEST_METHOD"], path=environ["PATH_INFO"], META=environ)
    answer = conditional_response(conditional, replayable.etag, replayable.modified_second, None)
    return answer is not None and answer.status_code == 304


class ReplayedResponses:
    """WSGI middleware: replays the response cache's hits before Django (see the module's docstring). Keeps
    at most REPLAY_BYTES of recordings per process (bodies, headers and RECORDING_OVERHEAD each), the least
    recently used going first."""

    def __init__(self, application):
        self.application = application
        # Each recording's size counts what keeping it costs (Recording.size).
        self.recordings = HeldBytes(settings.REPLAY_BYTES, 0, measure=operator.attrgetter("size"))
        self.statement_timeout = settings.DATABASE_STATEMENT_TIMEOUT

    def __call__(self, environ, start_response):
        # The request is named and timed from here: every line logged while serving it carries its id, and
        # its duration counts the data state's read (RequestLogMiddleware takes both from `environ`).
        started = time.perf_counter()
        identifier = request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        environ[ARRIVAL_KEY] = (started, identifier)
        token = REQUEST_ID.set(identifier)
        try:
            return self._answer(environ, start_response)
        finally:
            REQUEST_ID.reset(token)

    def _answer(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or not self.recordings.max_bytes or djangos_to_answer(environ):
            return self.application(environ, start_response)
        # None for an absent header: an empty one can get another answer (`Host:`, a 400; `Accept:`, a 406).
        key = tuple(map(environ.get, KEY_VARIABLES))
        recording = self.recordings.get(key)
        if recording is None:
            return self._record(key, environ, start_response)
        # A leased state is not handed on: Django takes the state itself (leased, or read).
        state = DataState.leased_on(PRIMARY) or self._read_state(environ)
        if state is None or not recording.serves(state):
            return self._record(key, environ, start_response)
        replayable = recording.replayable
        not_modified = is_not_modified(environ, replayable)
        # Django gives the first 304 (kept as it gave it), and answers a client over its limit.
        if (not_modified and recording.not_modified_headers is None) or not self._allowed(environ):
            return self._record(key, environ, start_response)
        if not_modified:
            status, headers, body = "304 Not Modified", recording.not_modified_headers, b""
        else:
            status, headers = "200 OK", recording.headers
            body = recording.body if method == "GET" else b""
        return self._replay(replayable, state, (status, headers, body), environ, start_response)

    def _read_state(self, environ):
        """The data state, read as DataStateMiddleware would; handed on to Django in `environ`, as is an
        error reading it (the error handler answers it)."""
        # As Django starts a request: among others, connections past CONN_MAX_AGE, or that failed, are closed
        # (the next query opens a new one).
        request_started.send(sender=type(self), environ=environ)
        try:
            # The request's deadline, from its arrival: Django's queries, if any, get what is left of it.
            deadline = QueryDeadline(self.statement_timeout, started=environ[ARRIVAL_KEY][0])
            with connections[PRIMARY].execute_wrapper(deadline):
                environ[DATA_STATE_KEY] = state = DataState.read_on(PRIMARY)
            return state
        except Exception as error:  # Django's handler answers it (DataStateMiddleware)
            environ[DATA_STATE_ERROR_KEY] = error
            return None

    @staticmethod
    def _allowed(environ):
        """Whether the client's limit allows this request, counting it if so (as ThrottleMiddleware does; a
        refusal is Django's to answer, handed on in `environ`)."""
        if not settings.ANONYMOUS_THROTTLE_RATE:
            return True
        throttle = throttle_for(None)
        if throttle.allow_request(EnvironRequest(environ), None):
            return True
        environ[REFUSED_KEY] = throttle
        return False

    @staticmethod
    def _replay(replayable, state, response, environ, start_response):
        status, headers, body = response
        started, identifier = environ[ARRIVAL_KEY]
        headers = [
            *headers,
            ("Cache-Control", cache_control(replayable.valid_until)),
            ("X-Request-ID", identifier),
        ]
        if state.synced_at is not None:
            headers.append(("X-Mirror-Synced-At", iso_utc(state.synced_at)))
        start_response(status, headers)
        log_request(environ["REQUEST_METHOD"], replayable.path, int(status[:3]), started, environ)
        # Read here (_read_state): the request was started as Django starts one.
        return FinishingBody([body]) if DATA_STATE_KEY in environ else [body]

    def _record(self, key, environ, start_response):
        """Django's response to the request, kept for replay when the response cache marked it so."""
        captured = []

        def capture(status, headers, exc_info=None):
            captured.append(headers)
            return start_response(status, headers, exc_info)

        response = self.application(environ, capture)
        replayable = getattr(response, "replayable", None)
        if replayable is None or not captured or is_personal(captured[0]):
            return response
        if response.status_code == 200:
            self.recordings.keep(key, Recording(key, replayable, captured[0], response.content))
        elif response.status_code == 304:
            recording = self.recordings.get(key)
            if recording is not None and recording.replayable == replayable:
                recording.not_modified_headers = kept_headers(captured[0])
        return response
