"""Per-request view of the data state, the body every response is sent with, the pages that are a client's
own, the hosts no link may repeat, and the redirect to a path's slash."""

from django.core.exceptions import DisallowedHost
from django.http.request import split_domain_port
from django.http.response import HttpResponsePermanentRedirect
from django.middleware.common import CommonMiddleware
from django.utils.cache import patch_cache_control
from django.utils.http import escape_leading_slashes

from .faults import timer_bounds_queries
from .models import DataState
from .replicas import PRIMARY, READS_FROM, Candidate, reads_for, replica_aliases
from .timestamps import iso_utc

# WSGI environ keys: the data state read before Django (spacedevs/replay.py), or the error reading it.
DATA_STATE_KEY = "spacedevs.data_state"
DATA_STATE_ERROR_KEY = "spacedevs.data_state_error"


class DataStateMiddleware:
    """Takes the data state once per request from the primary (`request.data_state`: leased or read, unless
    read before Django; read, outside the main thread), for the views and caches that depend on it, and
    tells every client how fresh a mirror is: `X-Mirror-Synced-At` (ISO 8601 in UTC, like the API's times)
    once a sync has committed a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if DATA_STATE_ERROR_KEY in request.META:
            raise request.META[DATA_STATE_ERROR_KEY]
        request.data_state = request.META.get(DATA_STATE_KEY) or self._state()
        response = self.get_response(request)
        # The state the response was computed from: the response cache may have read a newer one.
        synced_at = request.data_state.synced_at
        if synced_at is not None:
            response.headers["X-Mirror-Synced-At"] = iso_utc(synced_at)
        return response

    @staticmethod
    def _state():
        # A lease spares the request's first query. Outside the main thread no timer bounds the view's
        # queries: the read, whose wait on the socket is bounded, meets a hung database first.
        if timer_bounds_queries():
            return DataState.current_on(PRIMARY)
        return DataState.read_on(PRIMARY)


class ReplicaReadsMiddleware:
    """Sends an API request's reads to a replica once it holds the data state the primary gave the request
    (`request.data_state`, read there: DataStateMiddleware, before this one), else to the primary
    (spacedevs/replicas.py)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.replicas = replica_aliases()

    def __call__(self, request):
        alias = reads_for(request.method, request.path_info, self.replicas)
        if alias == PRIMARY:
            return self.get_response(request)
        # All the state a response may show (the sync's time too: the API root shows it).
        vouched = request.data_state.synced_tag
        token = READS_FROM.set(Candidate(alias, lambda: DataState.read_on(alias).synced_tag == vouched))
        try:
            return self.get_response(request)
        finally:
            READS_FROM.reset(token)


# DNS's longest name (RFC 1035 §2.3.4); an IPv6 literal, in its brackets, is shorter.
LONGEST_HOST_NAME = 253


class HostBoundsMiddleware:
    """Refuses, as an unknown host is refused (DisallowedHost: a JSON 400), a `Host` whose port is no TCP
    port (more than five digits, 0, or above 65535) or whose name is longer than any DNS name. ALLOWED_HOSTS
    checks the name alone (and an entry `.example.org` takes names of any length), and every link of a
    response repeats the host: a Host of 8 KB made a page of 100 detailed documents 6.7 MB, and a calendar
    feed 4.3 MB and a second of a worker's CPU."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request.get_host()  # an unknown host is refused here, as everywhere
        name, port = split_domain_port(host)
        if len(name) > LONGEST_HOST_NAME or len(port) > 5 or (port and not 0 < int(port) <= 65535):
            raise DisallowedHost(
                f"Invalid HTTP_HOST header: {host[:100]!r}: no host name or port is that long."
            )
        return self.get_response(request)


class SlashAppendedMiddleware(CommonMiddleware):
    """CommonMiddleware, whose unknown path that names a route once its slash is added is a redirect there:
    LL2's `301` for GET and HEAD, a `308` for any other method. A client may follow a 301 with a GET (RFC
    9110 §15.4.2), so a `POST /2.3.0/events` would end at the collection's 200 instead of its 405; and under
    DEBUG, Django raises for a POST, PUT, PATCH or DELETE instead of redirecting (a 500)."""

    def process_response(self, request, response):
        if (
            request.method not in ("GET", "HEAD")
            and response.status_code == 404
            and self.should_redirect_with_slash(request)
        ):
            path = escape_leading_slashes(request.get_full_path(force_append_slash=True))
            return HttpResponsePermanentRedirect(path, preserve_request=True)  # a 308
        return super().process_response(request, response)


class SentBodyMiddleware:
    """Every response as it is sent: with its `Content-Length` (CommonMiddleware gives one only to the
    responses that pass it: not to the probes, answered before it), but for a 204 or 304, and without a body
    for HEAD, whatever its status (RFC 9110 §9.3.2: a WSGI server sends a HEAD response's body, or drops it
    and logs a warning for each, as gunicorn does). First but for the request log: no response passes it
    by."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming:
            return response
        if response.status_code in (204, 304):
            # Not even CommonMiddleware's `0`: a 204 has none, and a 304 may carry only the length of the 200
            # it stands for (RFC 9110 §8.6), which a 304 decided before the body was made does not know; a
            # cache may take it for its stored response's.
            response.headers.pop("Content-Length", None)
        elif "Content-Length" not in response.headers:
            response.headers["Content-Length"] = str(len(response.content))
        if request.method == "HEAD":
            response.content = b""
        return response


class PrivateCookiesMiddleware:
    """Makes a response that sets a cookie its client's alone (`Cache-Control: private`, not `public`): the
    session middleware, outside the response cache, clears a stale session cookie on a page that is
    public for every other client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.cookies:
            patch_cache_control(response, private=True)
        return response
