"""Request limits as LL2 has them: per client address for anonymous clients, per key and its tier for
clients that send `Authorization: Token <key>`.

Counting is DRF's SimpleRateThrottle (a sliding window of request times) in the throttle cache: Redis when
REDIS_URL is set, so that every worker and host enforces one limit; each process's memory otherwise. A
client's requests are counted in turn (CountedInTurn), however many arrive together. The
client's address is REMOTE_ADDR, or the one `TRUSTED_PROXIES` proxies in front report in X-Forwarded-For
(DRF's NUM_PROXIES), as one address however a proxy writes it (addresses.py): a client cannot reset its
count by sending that header itself, nor by connecting from another port.
"""

import contextlib
import functools
import ipaddress
import math
import secrets
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.throttling import SimpleRateThrottle

from .addresses import ClientAddress
from .api.errors import CompactJsonResponse
from .api.resolving import api_view_class
from .models import APIKey

# WSGI environ key: the throttle that refused a request before Django (spacedevs/replay.py), whose refusal
# Django sends without asking again (a refusal for a turn not had would wait for one a second time).
REFUSED_KEY = "spacedevs.throttle_refused"


class KeyAuthentication(TokenAuthentication):
    """DRF's reading of `Authorization: Token <key>`, as LL2 reads it (another scheme, `Basic` from a proxy
    in front, say, leaves the request anonymous), its key one of the APIKeys."""

    def authenticate_credentials(self, key):
        found = APIKey.find(key)
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        return None, found


def sends_key(request):
    """Whether the request's `Authorization` header is of the scheme KeyAuthentication reads."""
    words = get_authorization_header(request).split()
    return bool(words) and words[0].lower() == KeyAuthentication.keyword.lower().encode()


def api_key_of(request):
    """The APIKey the request authenticates with, None for an anonymous request; AuthenticationFailed when
    it sends a key that is unknown or revoked, or a `Token` header that holds no key."""
    credentials = KeyAuthentication().authenticate(request)
    return None if credentials is None else credentials[1]


class CountedInTurn:
    """A SimpleRateThrottle whose check and count of a client's request are one step.

    DRF reads the client's history, then writes it back with the request added: requests arriving together
    (on other threads, workers, hosts) each read it before the others' writes, and all pass. Here they take
    turns, under a lock per client in the throttle cache (`add`: atomic in Redis and in memory; Redis failing,
    it is had, and the request passes uncounted). A request whose turn does not come within WAIT_SECONDS
    (behind many of its own client's at once, or a holder that died, until its lock ends) is refused
    (`busy`), uncounted: let through, it would be counted as DRF counts it, and a burst would pass its limit.
    """

    WAIT_SECONDS = 0.5
    busy = False

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        with self._turn(request, view) as had:
            if not had:
                self.busy = True
                return False
            return super().allow_request(request, view)

    def throttle_success(self):
        # A history that could not be read (Redis failing) is not written back as this request alone: the
        # request passes uncounted, and the client's count stays as it was.
        if getattr(self.cache, "read_failed", False):
            return True
        return super().throttle_success()

    @property
    def lock_seconds(self):
        """How long a turn's lock lasts: past the calls its holder makes while it holds it (three, Redis
        answering each within REDIS_TIMEOUT, or failing), and no longer than that ends a holder that died."""
        return max(2, 4 * settings.REDIS_TIMEOUT)

    def forget(self, request, view):
        """Takes back the request that allow_request counted: it is as if it had not come."""
        with self._turn(request, view):
            history = self.cache.get(self.key, [])
            if self.now in history:
                history.remove(self.now)
                self.cache.set(self.key, history, self.duration)

    @contextlib.contextmanager
    def _turn(self, request, view):
        lock, token = f"{self.get_cache_key(request, view)}:lock", secrets.token_hex(8)
        deadline = time.monotonic() + self.WAIT_SECONDS
        while not (had := self.cache.add(lock, token, self.lock_seconds)) and time.monotonic() < deadline:
            time.sleep(0.001)
        try:
            yield had
        finally:
            if self.cache.get(lock) == token:
                self.cache.delete(lock)


class ClientThrottle(CountedInTurn, ClientAddress, SimpleRateThrottle):
    """The limit of one client (a key, or an anonymous address) at `rate`, counted in the throttle cache."""

    def __init__(self, rate, api_key):
        self.api_key = api_key
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        self.cache = caches[settings.THROTTLE_CACHE_ALIAS]

    def ident(self, request):
        """Who the client is, as `/api-throttle/` reports it: its key's prefix, or its address."""
        return f"key {self.api_key.prefix}" if self.api_key else self.get_ident(request) or ""

    def get_cache_key(self, request, view):
        client = f"key:{self.api_key.pk}" if self.api_key else f"address:{self.get_ident(request)}"
        return f"throttle:{client}"

    def current_use(self, request):
        """(requests in the window, seconds until the next is allowed), without counting this one."""
        if self.rate is None:
            return 0, 0
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [
            moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration
        ]
        if len(self.history) < self.num_requests:
            return len(self.history), 0
        return len(self.history), math.ceil(seconds_until_allowed(self))


class AdminLoginThrottle(CountedInTurn, ClientAddress, SimpleRateThrottle):
    """Sign-in attempts on the admin's login page, per address (ADMIN_LOGIN_RATE), an IPv6 address's /64:
    any client holds one whole, and a new address for each few guesses would make the limit none."""

    def __init__(self):
        self.rate = settings.ADMIN_LOGIN_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.cache = caches[settings.THROTTLE_CACHE_ALIAS]

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if not getattr(self.cache, "read_failed", False):
            return allowed
        # Redis failing lets an API request through uncounted, but a guess at a password is never free: it
        # is counted in this process, as without Redis.
        self.cache = caches[settings.THROTTLE_LOCAL_CACHE_ALIAS]
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"throttle:admin-login:{address_block(self.get_ident(request))}"


def address_block(address):
    """The block of addresses a client holds whole: an IPv6 address's /64, or the IPv4 address itself."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False)) if parsed.version == 6 else address


def seconds_until_allowed(throttle):
    """How long a client at or over its limit waits for its next request: until enough of the window's
    requests expire to bring it under the limit (its history is newest first). DRF's `wait()` is the time
    until the oldest expires, and none when the history outgrew a rate lowered since."""
    return throttle.history[throttle.num_requests - 1] + throttle.duration - throttle.now


def too_many_requests(throttle):
    """The 429 of a throttle that refused a request: DRF's body, and `Retry-After` (a second for one refused
    while its turn did not come)."""
    wait = 1 if throttle.busy else max(1, math.ceil(seconds_until_allowed(throttle)))
    return CompactJsonResponse(
        {"detail": str(Throttled(wait).detail)}, status=429, headers={"Retry-After": str(wait)}
    )


def throttled_login(login_view):
    """`login_view` with its sign-in attempts (POSTs) limited per address."""

    @functools.wraps(login_view)
    def login(request, *args, **kwargs):
        if request.method == "POST":
            throttle = AdminLoginThrottle()
            if not throttle.allow_request(request, None):
                return too_many_requests(throttle)
        return login_view(request, *args, **kwargs)

    return login


def throttle_for(api_key):
    """The throttle of the client with `api_key` (None: anonymous); its rate is None if it is unlimited."""
    return ClientThrottle(api_key.tier.rate if api_key else settings.ANONYMOUS_THROTTLE_RATE or None, api_key)


class ThrottleMiddleware:
    """Authenticates API keys (`request.api_key`) and enforces each client's limit on every API request,
    before the response cache: an answer from the cache counts too, a 503 of a database down does not.
    A view with `throttle_counted = False` (`/api-throttle/`) is not counted. Over the limit: 429 with
    `Retry-After` and DRF's body; a bad key: 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view_class = api_view_class(request)
        if view_class is None:
            return self.get_response(request)
        try:
            request.api_key = api_key_of(request)
        except AuthenticationFailed as failed:
            unauthorized = {"status": 401, "headers": {"WWW-Authenticate": KeyAuthentication.keyword}}
            return CompactJsonResponse({"detail": str(failed.detail)}, **unauthorized)
        refused = request.META.get(REFUSED_KEY)
        if refused is not None:
            return too_many_requests(refused)
        throttle = throttle_for(request.api_key)
        if throttle.rate is None or not getattr(view_class, "throttle_counted", True):
            return self.get_response(request)
        if not throttle.allow_request(request, None):
            return too_many_requests(throttle)
        response = self.get_response(request)
        if getattr(response, "outage", False):
            # The database down costs the client nothing: following Retry-After through an outage would
            # otherwise use up its allowance. (A query past its deadline counts: it may be its own.)
            throttle.forget(request, None)
        return response
