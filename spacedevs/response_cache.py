"""Whole API responses, cached and validated by the data version, and compressed once.

A response is a function of the data version, the request's absolute URL (scheme, host, path, every
parameter), its `Accept` header and the encoding it accepts, and, on routes whose content moves with time
(upcoming, previous), the time window it was computed in. The hash of those is its cache key and its ETag:
`If-None-Match` naming it is answered 304 before anything is read or rendered; other preconditions are tested
on the 200 they concern, cached or computed (RFC 9110 §13.2.2). A cache hit is served as stored. A
write to the data bumps the version in its own transaction, so no worker or host can serve a response the
database no longer agrees with. Responses that set a cookie, or vary with one, are compressed but neither
cached nor validated. Compression is Brotli or gzip, as the client prefers (encoding.py); preconditions
are preconditions.py's.
"""

import contextlib
import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import RequestDataTooBig
from django.db import Error
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import cc_delim_re, patch_vary_headers
from django.utils.http import http_date

from .api.errors import answered_as_get
from .api.resolving import api_view_class
from .encoding import VARY, encode, negotiated_coding
from .models import DataState
from .preconditions import conditional_response, is_conditional, names_etag
from .replicas import read_from_the_primary, reads_a_replica
from .sources import response_code

# The errors of a GET that are a function of the request and the data alone (a bad parameter, an unknown id,
# a type the route does not give): shared alike, where a 429, a 401 or a 503 is not.
SHARED_ERRORS = frozenset({400, 404, 406})


def cache_derived(request, key, value):
    """Caches `value`, derived from the data of `request.data_state` (a count, the end of a window), under
    `key`, which names that state's tag: once the request's response is known to be computed from that data
    (ResponseCacheMiddleware reads the state again after it), or, outside that middleware, if the state is
    still the database's. A value derived after a write committed would otherwise be filed under the
    version before it, and served to requests that read the earlier version."""
    pending = getattr(request, "_derived_entries", None)
    if pending is not None:
        pending.append((key, value))
    elif request.data_state.is_current():
        caches[settings.RESPONSE_CACHE_ALIAS].set(key, value, timeout=settings.RESPONSE_CACHE_TIMEOUT)


@dataclass(frozen=True)
class Replayable:
    """Marks a response (`response.replayable`) that spacedevs/replay.py may serve again, with its final
    headers, to the same request while the data state has `tag` (DataState.tag_for(shows_sync)), and until
    `valid_until`."""

    tag: str
    shows_sync: bool
    etag: str
    modified_second: int | None  # for If-Modified-Since (DataState.modified_second)
    valid_until: datetime.datetime | None
    path: str  # as logged


def is_personal(headers):
    """Whether a response with `headers` ((name, value) pairs) was made for its client alone: it sets a
    cookie (the session middleware, outside the response cache, clears a client's stale session cookie), or
    varies with them."""
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie" or (lowered == "vary" and "cookie" in cc_delim_re.split(value.lower())):
            return True
    return False


def carries_csrf_cookie(cookies):
    """Whether a request with `cookies` carries a CSRF cookie. Django's CSRF middleware (inside the response
    cache) replaces one it cannot read, on any page: such a request is answered as computed, never from the
    cache."""
    return settings.CSRF_COOKIE_NAME in cookies


def cache_control(valid_until):
    """The `Cache-Control` of a shared response valid until `valid_until` (None: until the data changes)."""
    max_age = settings.RESPONSE_MAX_AGE
    if valid_until is not None:
        max_age = min(max_age, seconds_until(valid_until))
    return f"public, max-age={max_age}"


def seconds_until(moment):
    return max(0, int((moment - timezone.now()).total_seconds()))


@dataclass(frozen=True)
class CacheEntry:
    """Where a response computed from the data in `state` is cached, and its validators; `tag` is the state's
    (DataState.tag_for(shows_sync))."""

    state: object  # a DataState
    tag: str
    shows_sync: bool
    key: str
    etag: str
    last_modified: datetime.datetime | None
    valid_until: datetime.datetime | None

    @property
    def modified_second(self):
        return None if self.last_modified is None else self.state.modified_second


class ResponseCacheMiddleware:
    """Caches, validates (`ETag`, `Last-Modified`) and compresses the API's GET and HEAD responses.

    A view class whose answer is not a function of the request and the data (`/api-throttle/`) says
    `cache_responses = False`. A view class whose responses change with time alone declares
    `response_valid_until(request)`: the first moment its answer can differ without a write. It bounds the
    cache entry, `max-age` and the ETag's window. One whose answer shows where from and when the data was
    last synced says `response_shows_sync = True`: its entries are those of the sync too. Needs
    `request.data_state` (DataStateMiddleware, before this one).

    A response is computed from one version of the data, or not cached: the view's queries (a page, its
    count) are separate statements, so a write committed between them could give a page of one version
    counted by the other. The data state is read again once the response is computed; when it moved, the
    response is computed again from the request as it arrived here, with the new state (at most
    COMPUTE_ATTEMPTS times in all; a response whose data kept changing, or whose state could not be read
    again, goes out uncached and unvalidated). Values the views derive from the data for other requests
    (cache_derived) are cached with it, or not.
    """

    COMPUTE_ATTEMPTS = 3

    def __init__(self, get_response):
        self.get_response = get_response
        self.cache = caches[settings.RESPONSE_CACHE_ALIAS]

    def __call__(self, request):
        view_class = api_view_class(request) if request.method in ("GET", "HEAD") else None
        if view_class is None or not getattr(view_class, "cache_responses", True):
            return self.get_response(request)
        if request.META.get("CONTENT_LENGTH", "") not in ("", "0"):
            # Read before the first attempt: a request's stream cannot be read again by the next one. A body
            # too big to read stays unread (no view reads one; one that did would fail alike every time).
            with contextlib.suppress(RequestDataTooBig):
                request.body  # noqa: B018
        arrived = set(vars(request))
        request._derived_entries = []
        entry = self._entry(request, view_class)
        computed_alone = carries_csrf_cookie(request.COOKIES)
        if names_etag(request.META, entry.etag) and not computed_alone:
            response = HttpResponseNotModified()
        else:
            stored = None if computed_alone else self.cache.get(entry.key)
            if stored is not None:
                response = self._restored(stored)
            else:
                response, entry = self._computed(request, view_class, entry, arrived)
                if entry is None:
                    return response
            if is_conditional(request.META):
                response = conditional_response(request, entry.etag, entry.modified_second, response)
                if response.status_code == 412:
                    # Whether it holds depends on the representation chosen, as a 304 does.
                    patch_vary_headers(response, VARY)
                    return response
        self._cache_derived(request, entry.state)
        if request.method == "GET":
            response.replayable = Replayable(
                entry.tag,
                entry.shows_sync,
                entry.etag,
                entry.modified_second,
                entry.valid_until,
                request.get_full_path(),
            )
        response.headers["ETag"] = entry.etag
        if entry.last_modified is not None:
            # Never after the response's own date (RFC 9110 §8.8.2.1): a writer's clock may have been ahead.
            modified = min(entry.last_modified, timezone.now())
            response.headers["Last-Modified"] = http_date(modified.timestamp())
        response.headers["Cache-Control"] = cache_control(entry.valid_until)
        patch_vary_headers(response, VARY)  # a 304 made here has none yet
        return response  # a HEAD's body is left out last (SentBodyMiddleware)

    @staticmethod
    def _entry(request, view_class):
        state = request.data_state
        windowed = hasattr(view_class, "response_valid_until")  # a route whose content moves with time
        valid_until = view_class.response_valid_until(request) if windowed else None
        shows_sync = getattr(view_class, "response_shows_sync", False)
        tag = state.tag_for(shows_sync)
        key = hashlib.sha256(
            "\n".join(
                [
                    response_code(),
                    tag,
                    valid_until.isoformat() if valid_until else "-",
                    request.build_absolute_uri(),
                    # As it came: the URL above has raw UTF-8 and its percent-encoding alike.
                    request.META.get("QUERY_STRING", ""),
                    # Absent and empty differ: DRF answers an empty Accept with a 406.
                    repr(request.META.get("HTTP_ACCEPT")),
                    negotiated_coding(request) or "identity",
                ]
            ).encode()
        ).hexdigest()
        # A date of the data alone: a windowed route (even once no change is ahead: its content last changed
        # when an event crossed a window's edge, which no write dates), or one that shows the sync's time,
        # has none.
        last_modified = None if windowed or shows_sync else state.changed_at
        return CacheEntry(state, tag, shows_sync, key, f'"{key[:40]}"', last_modified, valid_until)

    def _computed(self, request, view_class, entry, arrived):
        """The view's response and the entry it is cached as (None: not cached, nor validated)."""
        for attempt in range(1, self.COMPUTE_ATTEMPTS + 1):
            response = self._response_to_get(request)
            if response.status_code != 200 or response.streaming:
                return self._answered_otherwise(request, response, entry), None
            try:
                latest = DataState.current()
                if latest.tag_for(entry.shows_sync) != entry.tag and reads_a_replica():
                    # A replica's state moved under the page: replication went on, or its connection,
                    # dropped, came back on a server further behind (a reader endpoint's). The primary,
                    # never behind the state the request arrived with, says which data to compute from.
                    read_from_the_primary()
                    latest = DataState.current()
            except Error:
                entry = None  # the response stands, but nothing says which data it came from
                break
            if latest.tag_for(entry.shows_sync) == entry.tag:
                break
            request.data_state = latest  # what X-Mirror-Synced-At reports
            if attempt == self.COMPUTE_ATTEMPTS:
                entry = None
                break
            # What the attempt left on the request (its "now", its user, what it derived…) goes: the next
            # starts afresh.
            for name in set(vars(request)) - arrived:
                delattr(request, name)
            request._derived_entries = []
            entry = self._entry(request, view_class)
        encode(request, response)
        if entry is None:
            return response, None  # data that kept changing, or unknown: not shared, not validated
        self._cache_derived(request, entry.state, known_current=True)
        if response.cookies or is_personal(response.items()):
            return response, None  # a personal page: not shared, not validated
        self.cache.set(entry.key, self._stored(response), timeout=self._timeout(entry.valid_until))
        return response, entry

    def _response_to_get(self, request):
        """The view's response to the request as a GET: a HEAD shares the GET's entry, and a page may show
        the method it was asked with (the browsable API does)."""
        with answered_as_get(request):
            return self.get_response(request)

    def _cache_derived(self, request, state, known_current=False):
        """Caches what the request derived from the data of `state` (cache_derived), if the database still
        holds that data (`known_current`: just read)."""
        pending = request.__dict__.pop("_derived_entries", None)
        if pending and (known_current or state.is_current()):
            for key, value in pending:
                self.cache.set(key, value, timeout=settings.RESPONSE_CACHE_TIMEOUT)

    def _answered_otherwise(self, request, response, entry):
        """A response other than a 200, not cached here: compressed as a 200 is, and, when any client would
        get it for the same request and data, kept by shared caches no longer than a page (unless its view
        said otherwise). Left alone, a CDN may keep an error such as a 404 as long as it likes (RFC 9111
        §4.2.2), and an event imported after would stay unknown there."""
        if response.streaming:
            return response
        encode(request, response)
        if response.status_code in SHARED_ERRORS and not response.has_header("Cache-Control"):
            response.headers["Cache-Control"] = cache_control(entry.valid_until)
        return response

    @staticmethod
    def _stored(response):
        # Every header the view and the middleware after this one gave; those before add theirs per request.
        return dict(response.items()), response.content

    @staticmethod
    def _restored(stored):
        headers, content = stored
        response = HttpResponse(content)
        for name, value in headers.items():
            response.headers[name] = value
        return response

    @staticmethod
    def _timeout(valid_until):
        timeout = settings.RESPONSE_CACHE_TIMEOUT
        return timeout if valid_until is None else min(timeout, seconds_until(valid_until))
