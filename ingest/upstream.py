"""An LL2-compatible upstream, called within its rate budget: spaced calls, bounded retries, checked JSON."""

import contextlib
import datetime
import email.utils
import functools
import itertools
import json
import math
import os
import random
import re
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import httpx

from spacedevs.api.versions import API_VERSION

from .values import json_document

USER_AGENT = f"spacedevs-events-mirror/{API_VERSION} (sync_ll2; an LL2 events replica)"
# The longest wait a 429 or a 5xx is taken at its word for (LL2's limits are by the hour): a longer one, or
# one past what a sleep can take, is an hour, and the retry after it counts as one of the attempts.
MAX_RETRY_AFTER = 3600.0
# DRF's text of a throttled request (LL2's 429), the wait it states once a proxy has dropped Retry-After.
THROTTLED_WAIT = re.compile(r"\bExpected available in ([0-9]+) seconds?\.")
LL2_BASE_URL = f"https://ll.thespacedevs.com/{API_VERSION}"


def without_credentials(url):
    """`url` without its user and password, cut out of it as written (the rest byte for byte: the same
    upstream is the same checkpoint with them or without), and those as httpx's Basic auth (None without a
    user or a password, as httpx takes a bare `@`). The first `@` ends them, so that an `@` in them not
    percent-encoded is left in the URL, which check_base_url refuses (taken at the last, as urlsplit takes
    it, the password ran on to it). The URL names the upstream in the log, the checkpoint and the API root,
    where a password has no place. (ingest/migrations/0002 cut them alike, at the last `@`.)"""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL: httpx's error names it, as for any URL it cannot use
        return url, None
    userinfo, at, _ = parts.netloc.partition("@")
    start = url.find("//") + 2  # urlsplit reads past tabs and line breaks, which the text still has
    if not at or not url.startswith(f"{userinfo}@", start):
        return url, None
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    auth = httpx.BasicAuth(username, password) if username or password else None
    return url[:start] + url[start + len(userinfo) + 1 :], auth


class SyncStopped(Exception):
    """Asked to stop (SIGTERM) while waiting or reading an answer: the sync ends before its next call, with
    every page whole."""


class UpstreamError(Exception):
    """The upstream cannot be used: unreachable after the retries, or it answers with something that is not
    LL2 JSON. The message names the URL and the problem."""


class UnreachableError(UpstreamError):
    """No LL2 server at the URL: before any page arrived, nothing answered there, or something that is not
    LL2 did. A wrong URL rather than a passing fault."""


class TransientError(UpstreamError):
    """A failure worth retrying: a timeout, a lost connection, a 5xx, a 429 or a truncated body."""

    def __init__(self, message, wait=None, unreachable=False, failing=False):
        super().__init__(message)
        self.wait = wait  # seconds the upstream asked us to wait, if it said
        self.unreachable = unreachable
        # A server failing (a 5xx): its wait is the least, never shorter than the backoff (`Retry-After: 0`
        # would have every retry at once); a 429's is exactly what the limit asks.
        self.failing = failing

    def delay(self, backoff):
        """The seconds to wait before the retry, the backoff's being `backoff`."""
        if self.wait is None:
            return backoff
        return max(self.wait, backoff) if self.failing else self.wait


@dataclass
class Budget:
    """At most `calls` calls in any `seconds`-long window (a sliding window over the calls made)."""

    calls: int
    seconds: float
    # (when, how many calls, whether stated): an upstream can say it has counted more calls than a list of
    # them could hold, and not when it counted them (stated calls count as made when it said so, the latest
    # they can have been)
    made: deque = field(default_factory=deque)
    in_window: int = 0  # the calls in `made`

    @classmethod
    def parse(cls, text):
        """`15/3600` → 15 calls per 3,600 seconds."""
        try:
            calls, seconds = text.split("/")
            budget = cls(int(calls), float(seconds))
        except ValueError:
            raise ValueError(f"expected CALLS/SECONDS such as 15/3600, got {text!r}") from None
        if not budget.usable:
            raise ValueError(f"expected at least one call per positive number of seconds, got {text!r}")
        return budget

    @classmethod
    def unlimited(cls):
        """A budget that never makes a call wait."""
        return cls(sys.maxsize, 1.0)

    @property
    def usable(self):
        return self.calls >= 1 and 0 < self.seconds < math.inf

    def delay(self, now):
        """How long to wait before the next call may be made."""
        awaited = self._awaited(now)
        return 0.0 if awaited is None else awaited[0] + self.seconds - now

    def waits_on_stated(self, now):
        """Whether the next call waits for calls the upstream stated, counted as made when it stated them:
        they may leave its window sooner, which the upstream, asked again, can say."""
        awaited = self._awaited(now)
        return awaited is not None and awaited[2]

    def _awaited(self, now):
        """The entry of `made` whose leaving the window lets the next call be made, or None if it may be
        made now."""
        while self.made and self.made[0][0] <= now - self.seconds:
            self.in_window -= self.made.popleft()[1]
        leaving = self.in_window - self.calls + 1  # the calls to leave the window before the next
        if leaving <= 0:
            return None
        totals = itertools.accumulate(count for _, count, _ in self.made)
        return next(entry for entry, total in zip(self.made, totals, strict=True) if total >= leaving)

    def spend(self, now, count=1, *, stated=False):
        self.made.append((now, count, stated))
        self.in_window += count

    def __str__(self):
        return f"{self.calls} calls per {self.seconds:g} s"

    @property
    def interval(self):
        """The average time per call the budget allows, for estimates."""
        return self.seconds / self.calls


@dataclass
class Retry:
    """Bounded exponential backoff with full jitter."""

    attempts: int = 6
    base: float = 1.0
    cap: float = 60.0

    def delay(self, attempt):
        # The doubling stops short of a float's overflow (a large --retries): the cap comes long before.
        doubled = 2.0 ** min(attempt, sys.float_info.max_exp - 1)
        return random.uniform(0, min(self.cap, self.base * doubled))


def retry_after(response, body=b""):
    """The seconds to wait that a 429 or a 5xx (`response`, whose body, if read, is `body`) asks for, within
    0…MAX_RETRY_AFTER, or None when it asks for none (or for no number of seconds: NaN)."""
    asked = _asked_wait(response, body)
    if asked is None or math.isnan(asked):
        return None
    return min(max(asked, 0.0), MAX_RETRY_AFTER)


def _seconds_within(value, longest):
    """`value` (from JSON) as seconds within 0…`longest`, or None when it is no finite number."""
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(seconds, 0.0), longest) if math.isfinite(seconds) else None


def answered_at(response):
    """When the upstream answered `response`, by its own clock (`Date`), or None if it does not say (or says
    no time zone, or nothing readable)."""
    return _http_date(response.headers.get("Date"))


def _http_date(text):
    """The aware datetime an HTTP date `text` names, or None: none given, unreadable, or in no time zone
    (RFC 5322's `-0000`), which no moment can be compared with."""
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):  # the last: a zone offset too large for an int
        return None
    return moment if moment.tzinfo is not None else None


def _asked_wait(response, body):
    """Seconds from a `Retry-After` header (seconds or an HTTP date), or else from the body: LL2's
    `next_use_secs`, or the wait its `detail` states; or None."""
    header = response.headers.get("Retry-After", "").strip()
    if header:
        if header.isascii() and header.isdigit():  # `isdigit()` alone takes "²", which float() refuses
            return float(header)
        moment = _http_date(header)
        if moment is not None:
            return max(0.0, moment.timestamp() - time.time())
    try:
        document = json.loads(body)
    except (ValueError, RecursionError, UnicodeDecodeError):  # RecursionError: JSON nested too deeply
        return None
    if not isinstance(document, dict):
        return None
    try:
        return float(document["next_use_secs"])
    except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: an integer past any float
        pass
    stated = THROTTLED_WAIT.search(document["detail"]) if isinstance(document.get("detail"), str) else None
    return float(stated[1]) if stated else None


class _CallEnded(BaseException):
    """A call's time is up (_ended_at). Not an Exception: no handler on the way out of httpx takes it for
    one of its own errors."""


@contextlib.contextmanager
def _ended_at(deadline):
    """Ends the call made inside at `deadline` (a time.monotonic()) with _CallEnded, whatever it waits for:
    its connection, its headers, its body. By a timer's signal, which reaches the main thread alone (the
    commands'): elsewhere, only the body's reads are checked (Upstream._get)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def end(signum, frame):
        raise _CallEnded()

    previous = signal.signal(signal.SIGALRM, end)
    try:
        signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 0.001))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)  # inside: a timer that fires as it returns is caught
    finally:
        signal.signal(signal.SIGALRM, previous)


@functools.cache
def tls_context():
    """httpx's default TLS context (certifi's certificates, or those SSL_CERT_FILE or SSL_CERT_DIR name), made
    once per process: loading the certificates takes some 20 ms, which every client made after a call's
    timeout, and every sync run in one process (the tests'), would spend again. ValueError when the
    certificates named cannot be loaded."""
    try:
        return httpx.create_ssl_context()
    except OSError as error:  # ssl.SSLError too: a file that holds no certificate
        variable = "SSL_CERT_FILE" if os.environ.get("SSL_CERT_FILE") else "SSL_CERT_DIR"
        named = f"{variable} {os.environ.get(variable)}"
        raise ValueError(f"{named}: its certificates cannot be loaded ({error.strerror or error})") from None


class Upstream:
    """GETs JSON from an LL2-compatible server, spacing the calls to stay within its budget.

    Each call takes `timeout` seconds at most, its body included, and ends when `stopped()` becomes true
    (SyncStopped). The budget comes from the server's `/api-throttle/` (LL2 has it) when it states a usable
    limit there,
    else `fallback_budget`; a server that states no limit there gets `unlimited_budget` (None: calls are not
    spaced).
    Timeouts, lost connections, 5xx, 429 and truncated bodies are retried with backoff (a 429 waits what the
    server asks); anything else that is not LL2 JSON stops at once with an UpstreamError naming it.
    """

    def __init__(
        self,
        base_url,
        *,
        token=None,
        fallback_budget,
        unlimited_budget=None,
        retry=None,
        timeout=30.0,
        clock=time.monotonic,
        sleep=time.sleep,
        stopped=lambda: False,
        log=None,
    ):
        self.base_url, auth = without_credentials(base_url.rstrip("/"))
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        self._new_client = functools.partial(
            httpx.Client,
            headers=headers,
            auth=auth,
            timeout=timeout,
            follow_redirects=True,
            verify=tls_context(),
        )
        self.client = self._new_client()
        self.timeout = timeout  # httpx's is per read: the whole call's is `_get`'s
        self.retry = retry or Retry()
        self.answered = False  # whether an LL2 page ever arrived: until then, a wrong URL is the likely cause
        # The earliest moment, by the upstream's clock, at which it can have read the last page: its Date
        # (answered_at: set once the page is ready, and cut to the second) less the time the call took here.
        # None without a Date.
        self.read_from = None
        self.clock, self.sleep, self.stopped = clock, sleep, stopped
        self.log = log or (lambda message: None)
        self.unlimited_budget = unlimited_budget
        self.budget = fallback_budget
        self.states_next_use = False  # whether the last reading said when the next call may be made
        self.read_budget()

    def close(self):
        self.client.close()

    def url(self, path):
        return f"{self.base_url}/{path.lstrip('/')}"

    def read_budget(self):
        """Keep to the budget `/api-throttle/` states now, if it states one: the calls the upstream counts
        include those of other clients sharing the limit, and the limit itself can change (a key's tier)
        while a service runs. Those calls count as just made, this client's too (the upstream does not say
        when each was made, nor which are whose): never too soon, but for a call of this client that got no
        answer (a timeout) and reaches the upstream after the reading (held on the way), whose slot the next
        call may take: a 429, waited out as the upstream asks. Counted here as well, that call would count
        twice in the usual case, the upstream counting it at once, and the wait would be up to a window too
        long. A call that would wait for the calls stated asks again first (get_page), so that the wait is
        the upstream's, not a whole window from the last reading."""
        budget = self._read_budget(self.unlimited_budget)
        if budget is not None:
            self.budget = budget

    def _read_budget(self, unlimited):
        """The budget `/api-throttle/` states, with the calls already used counted as just made (but the
        oldest of a full window, which leaves it in `next_use_secs`); `unlimited`
        (None: no spacing) when it states no limit; None without an answer, or with one stating no finite
        limit (logged)."""
        try:
            response, body = self._get(self.url("api-throttle/"))
            state = json.loads(body) if response.status_code == 200 else None
        # RecursionError: JSON nested too deeply.
        except (
            httpx.HTTPError,
            httpx.InvalidURL,
            TransientError,
            ValueError,
            UnicodeDecodeError,
            RecursionError,
        ):
            return None
        if state is None:
            return None
        if isinstance(state, list) and len(state) == 1:  # the array LL2's schema declares; its API gives one
            state = state[0]
        try:
            if state["your_request_limit"] is None:  # none (this project's answer to an unthrottled client)
                self.log("upstream budget: unlimited" + (f"; keeping to {unlimited}" if unlimited else ""))
                return unlimited or Budget.unlimited()
            budget = Budget(int(state["your_request_limit"]), float(state["limit_frequency_secs"]))
            used = min(max(int(state.get("current_use", 0)), 0), budget.calls)
        # OverflowError: an infinite number (JSON's 1e999), or an integer past any float.
        except (ValueError, KeyError, TypeError, OverflowError):
            budget = None
        if budget is None or not budget.usable:
            self.log("upstream budget: ignoring /api-throttle/, which states no usable limit")
            return None
        now, oldest_leaves = self.clock(), _seconds_within(state.get("next_use_secs"), budget.seconds)
        self.states_next_use = oldest_leaves is not None
        if used >= budget.calls and oldest_leaves is not None:
            # A full window: LL2's next_use_secs says when its oldest call leaves it, not an hour from now.
            # (When the others were made it does not say: they count as just made.)
            budget.spend(now - budget.seconds + oldest_leaves)
            budget.spend(now, used - 1, stated=True)
        else:
            budget.spend(now, used, stated=True)
        self.log(f"upstream budget: {budget} ({used} used)")
        return budget

    def get_page(self, url):
        """One page of LL2 results (`count`, `next`, `results`) from `url`, retried while that may help.

        Until a first page has arrived, a URL where nothing answers, or something that is not LL2 does, is an
        UnreachableError at once.
        """
        for attempt in range(self.retry.attempts):
            # Asked again, an upstream that does not say when the next call may be made would leave a full
            # window's calls counted as made then: a whole window from now, longer than from the reading.
            if self.states_next_use and self.budget.waits_on_stated(self.clock()):
                self.read_budget()
            wait = self.budget.delay(self.clock())
            if wait > 0:
                self.sleep(wait)
            if self.stopped():  # asked for since the caller looked: no call made, none of the budget spent
                raise SyncStopped()
            self.budget.spend(self.clock())
            try:
                page = self._fetch(url)
            except TransientError as error:
                if error.unreachable and not self.answered:
                    raise UnreachableError(str(error)) from None
                if attempt + 1 == self.retry.attempts:
                    raise UpstreamError(f"{error} (gave up after {self.retry.attempts} attempts)") from None
                delay = error.delay(self.retry.delay(attempt))
                # The budget's wait, which the loop adds after the delay, told too (at LL2's 15 calls an
                # hour, minutes where the backoff is a second).
                retried_in = delay + self.budget.delay(self.clock() + delay)
                self.log(f"{str(error).rstrip('.')}; retrying in {retried_in:.1f} s")
                self.sleep(delay)
            except UpstreamError as error:
                if not self.answered:
                    raise UnreachableError(str(error)) from None
                raise
            else:
                self.answered = True
                return page
        raise AssertionError("unreachable")

    def _get(self, url):
        """(response, body) of a GET of `url`, within `timeout` for the whole call (httpx's is per read: a
        body, or headers, sent a byte at a time would take as long as its server liked), and ended by a stop
        asked for while the body arrives. Only a 200's body, or a 429's (which may say how long to wait), is
        read."""
        deadline = time.monotonic() + self.timeout
        try:
            with _ended_at(deadline), self.client.stream("GET", url) as response:
                chunks = []
                if response.status_code in (200, 429):
                    for chunk in response.iter_bytes():
                        chunks.append(chunk)
                        if self.stopped():
                            raise SyncStopped()
                        if time.monotonic() > deadline:
                            raise TransientError(f"{url}: timed out")
        except _CallEnded:
            # Raised wherever the call was, perhaps in the middle of httpx's own bookkeeping: its connections
            # are left to the collector, and the next call has new ones.
            self.client = self._new_client()
            raise TransientError(f"{url}: timed out") from None
        return response, b"".join(chunks)

    def _fetch(self, url):
        started = time.monotonic()
        try:
            response, body = self._get(url)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise UpstreamError(f"{url}: not a usable URL ({error})") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise TransientError(f"{url}: cannot connect ({error})", unreachable=True) from None
        except httpx.TimeoutException:
            raise TransientError(f"{url}: timed out") from None
        except httpx.TransportError as error:
            raise TransientError(f"{url}: {error or type(error).__name__}") from None
        except httpx.TooManyRedirects:
            raise UpstreamError(f"{url}: redirected too many times") from None
        except httpx.DecodingError as error:  # a body its Content-Encoding does not describe
            raise TransientError(f"{url}: unreadable body ({error})") from None
        if response.status_code == 429:
            raise TransientError(f"{url}: 429 Too Many Requests", wait=retry_after(response, body))
        if response.status_code >= 500:  # its body unread (a proxy's page): a wait is the header's alone
            raise TransientError(
                f"{url}: {response.status_code} {response.reason_phrase}",
                wait=retry_after(response),
                failing=True,
            )
        if response.status_code != 200:
            raise UpstreamError(f"{url}: {response.status_code} {response.reason_phrase}")
        content_type = response.headers.get("Content-Type", "")
        if content_type.partition(";")[0].strip().lower() != "application/json":  # RFC 9110: in any case
            raise UpstreamError(f"{url}: not LL2 JSON (Content-Type {content_type or 'missing'})")
        try:
            page = json_document(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:  # the last: nested too deeply
            raise TransientError(f"{url}: truncated or malformed JSON ({error})") from None
        served_at = answered_at(response)
        took = datetime.timedelta(seconds=time.monotonic() - started)
        self.read_from = None if served_at is None else served_at - took
        if not (
            isinstance(page, dict)
            and isinstance(page.get("results"), list)
            and isinstance(page.get("count"), int)
            and (page.get("next") is None or isinstance(page.get("next"), str))
        ):
            raise UpstreamError(f"{url}: not an LL2 page (expected count, next and results)")
        return page
