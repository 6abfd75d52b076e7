"""A small scriptable fake of LL2's events API, for testing `sync_ll2` against faults.

    with FakeLL2(fixture_events().values(), page_size=40) as fake:
        fake.script(None, ("status", 429, {"Retry-After": "1"}), ("html",))
        upstream = Upstream(fake.base_url, ...)

It is a `ThreadingHTTPServer` on 127.0.0.1 (a free port) in a daemon thread, serving:

- `GET /2.3.0/events/`: the events sorted by `last_updated` then `id` when asked `ordering=last_updated`
  (by `date` then `id` otherwise, LL2's default), filtered by `last_updated__gte` and `__lte`, `date__gte`
  and `__lte`, and `id` (a comma list), paged by `offset` and `limit` (at most 100; `page_size` overrides
  the asked limit), with `count`, absolute `next` and `previous` links keeping the other parameters, and
  `results` in
  `mode=detailed` (the events as given), `normal` or `list` (the keys of those modes, `response_mode` set
  accordingly).
- `GET /2.3.0/api-throttle/` when `throttle` is given: `{your_request_limit, limit_frequency_secs,
  current_use, next_use_secs, ident}` (current_use counts the calls in the rate limiter's window,
  next_use_secs the whole seconds until the next is allowed), as LL2 answers; in an array of one, as its
  schema declares, when `throttle_array`.
- anything else: `404 {"detail": "Not found."}`.

Faults are scripted per events request (`script(...)`), consumed in order; `None` serves the request
normally; once the script is empty, `always` (a fault or None) applies. Faults:

- `("status", code)`, `("status", code, headers)` or `("status", code, headers, body)`: that status with
  the headers and a JSON body (`{"detail": ...}` unless `body`, a dict, is given).
- `("sleep", seconds)`: wait, then answer normally (the client's timeout should be shorter).
- `("truncate",)`: a `Content-Length` longer than the half of the page's body that is sent.
- `("cut",)`: half of the page's JSON, with a matching `Content-Length`.
- `("drop",)`: close the connection without answering.
- `("html",)`: `200 text/html`.
- `("content_type", value)`: the page as usual, as `Content-Type: value`.
- `("empty",)`: the page as usual, but with no `results` (its `count` and `next` kept).
- `("bad_record", index, mutate)`: the page as usual, but `mutate(record)` is applied to a copy of its
  record at `index` first.
- `("call", function)`: `function()` as the request arrives, then the page as usual (a signal to the
  client while its request is under way).
- `("redirect",)`: `302` to the same URL (set as `always`, a loop).
- `("gzip_garbage",)`: the page, said to be gzip (`Content-Encoding: gzip`) but sent as it is.
- `("drip", seconds)`: the page's headers, then a byte of its body every 0.05 s for `seconds`, then the rest.
- `("drip_headers", seconds)`: the page's status line and headers a byte every 0.05 s for `seconds`, then
  the rest and the page.

Rate limiting (`rate=(calls, seconds)`): a sliding window on `clock` (shared with the client under test
when the test fakes time): a call at time t counts while `now - t < seconds`, the same boundary as
`ingest.upstream.Budget`; calls beyond `calls` in the window get `429` with `Retry-After` (whole seconds,
rounded up) and do not count. Only events requests are limited (`/api-throttle/` calls are not counted).
`ignore_query=True` makes a broken upstream that ignores `last_updated__gte`, `id` and `offset`.
`tie_order(ids, offset, limit)`, when given, is the order (of every id, sorted) in which events sharing the
ordering's field come on the page at `offset` and `limit`, in place of `id`'s: SQL gives ties no order, and
PostgreSQL may give them another for each LIMIT and OFFSET (`shuffled_by_page` does so).
`arriving(query)`, when set, is called as each events request arrives, before its fault and its page (a
change to the upstream just before it answers, whichever question it is); `counted(query)`, when set, is
called between counting the events and slicing the page from them (DRF's two statements: a write committed
between them shows on the page, not in its `count` nor `next`). `served_at` (an aware datetime)
is the `Date` of its answers, for a test that fakes the upstream's time;
`served_at = False` sends no `Date`. `shows=N` shows `last_updated` and `date` with N digits of their
fraction (LL2 shows none: `shows=0`), cut, not rounded; its filters read them whole, as a database does.

Every request is logged in `requests` (a `Call`: path, query, url, real monotonic time, `clock` time,
fault, status sent; 0 while nothing was, or if nothing ever is: a drop, or a sleep still under way).
"""

import contextlib
import copy
import datetime
import email.utils
import http.server
import json
import math
import operator
import pickle
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

API = "/2.3.0"
EVENTS_PATH = f"{API}/events/"
THROTTLE_PATH = f"{API}/api-throttle/"
# The keys of an event in LL2's list and normal modes (detailed has them all).
LIST_KEYS = (
    "id", "url", "name", "response_mode", "slug", "type", "date", "date_precision", "duration", "image",
    "description", "webcast_live", "location", "info_urls", "vid_urls",
)  # fmt: skip
NORMAL_KEYS = (*LIST_KEYS, "updates", "last_updated")
HTML = b"<!doctype html><html><head><title>Welcome</title></head><body><h1>Not an API</h1></body></html>"


def stamp(text):
    """A `last_updated` (or `last_updated__gte`) value as an aware datetime."""
    value = datetime.datetime.fromisoformat(text.strip().replace(" ", "+"))
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def shuffled_by_page(ids, offset, limit):
    """A `tie_order`: another order of `ids` for each LIMIT plus OFFSET (as a top-N sort's could be)."""
    return random.Random(offset + limit).sample(ids, len(ids))


def sort_key(event):
    return stamp(event["last_updated"]), event["id"]


class FakeClock:
    """A monotonic clock that only moves when `sleep` is called: pass `clock=fake, sleep=fake.sleep`."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.now

    def sleep(self, seconds):
        assert seconds >= 0, seconds
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


class RateLimiter:
    """At most `calls` calls in any window of `seconds` on `clock` (sliding; rejected calls don't count)."""

    def __init__(self, calls, seconds, clock):
        self.calls, self.seconds, self.clock = calls, seconds, clock
        self.made = deque()
        self._lock = threading.Lock()

    def _expire(self, now):
        while self.made and now - self.made[0] >= self.seconds:
            self.made.popleft()

    def spend(self, count=1):
        """Count `count` calls as made now (calls made before the test started)."""
        with self._lock:
            self.made.extend([self.clock()] * count)

    def in_use(self):
        with self._lock:
            self._expire(self.clock())
            return len(self.made)

    def next_use(self):
        """Whole seconds (rounded up) until a call may be made, as LL2 states them: 0 while one may."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            if len(self.made) < self.calls:
                return 0
            return math.ceil(self.made[-self.calls] + self.seconds - now)

    def admit(self):
        """None if the call may go ahead (and count it), else the seconds until it may."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            if len(self.made) < self.calls:
                self.made.append(now)
                return None
            return self.made[0] + self.seconds - now


@dataclass
class Call:
    path: str
    query: dict
    url: str
    time: float  # time.monotonic() when the request arrived
    clock: float  # the limiter's clock when the request arrived
    fault: tuple | None = None
    status: int = 0  # what was sent; 0: nothing (dropped, or the client had gone)
    authorization: str | None = None  # the request's header

    @contextlib.contextmanager
    def sending(self, status):
        """Notes `status` as sent before the write that sends it, taken back if the write fails: the client
        may act on it, and its test read the calls, before this thread runs again."""
        self.status = status
        try:
            yield
        except OSError:
            self.status = 0
            raise


class FakeLL2:
    def __init__(
        self,
        events=(),
        *,
        page_size=None,
        throttle=None,
        rate=None,
        clock=time.monotonic,
        ignore_query=False,
        tie_order=None,
        throttle_array=False,
        shows=None,
    ):
        # Copied through pickle: the same copy of JSON's values as deepcopy's, in half its time (a run copies
        # some 5,000 events).
        self.events = sorted((pickle.loads(pickle.dumps(event)) for event in events), key=sort_key)
        self.page_size = page_size
        self.throttle = throttle  # None: no /api-throttle/ (404); else a dict of the fields to state
        self.throttle_array = throttle_array
        self.shows = shows
        self.clock = clock
        self.limiter = RateLimiter(*rate, clock) if rate else None
        self.ignore_query = ignore_query  # ignore last_updated__gte, id and offset: always the first page
        self.tie_order = tie_order
        self.served_at = None
        self.arriving = None
        self.counted = None
        self.faults = deque()
        self.always = None
        self.requests = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.server = None

    # --- Scripting and inspecting -------------------------------------------------------------------------

    def script(self, *faults):
        """Queue faults for the next events requests, in order (None: serve that request normally)."""
        with self._lock:
            self.faults.extend(faults)

    def _next_fault(self):
        with self._lock:
            return self.faults.popleft() if self.faults else self.always

    def calls(self, path=EVENTS_PATH):
        """The logged requests to `path` (the events route by default)."""
        return [call for call in self.requests if call.path == path]

    def url(self, path, query=None):
        return f"http://127.0.0.1:{self.port}{path}" + (f"?{urlencode(query)}" if query else "")

    # --- Running ------------------------------------------------------------------------------------------

    def __enter__(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                fake._handle(self)

            def log_message(self, *args):
                pass

            def send_header(self, keyword, value):
                if keyword != "Date" or fake.served_at is not False:
                    super().send_header(keyword, value)

            def date_time_string(self, timestamp=None):
                if not fake.served_at:
                    return super().date_time_string(timestamp)
                return email.utils.format_datetime(fake.served_at, usegmt=True)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}{API}"
        # shutdown() waits for the loop to look again: at 0.05 s, each of the ~144 fakes a run starts took
        # 37 ms to stop.
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.005})
        self._thread.daemon = True
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    # --- Answering ----------------------------------------------------------------------------------------

    def _handle(self, handler):
        parts = urlsplit(handler.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        call = Call(parts.path, query, handler.path, time.monotonic(), self.clock())
        call.authorization = handler.headers.get("Authorization")
        with self._lock:
            self.requests.append(call)
        try:
            if parts.path == THROTTLE_PATH and self.throttle is not None:
                state = self._throttle_state()
                self._send_json(handler, call, 200, [state] if self.throttle_array else state)
            elif parts.path == EVENTS_PATH:
                self._events(handler, call)
            else:
                self._send_json(handler, call, 404, {"detail": "Not found."})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): nothing more to send

    def _throttle_state(self):
        limiter = self.limiter
        used = {"current_use": limiter.in_use(), "next_use_secs": limiter.next_use()} if limiter else {}
        return {"current_use": 0, "next_use_secs": 0} | used | {"ident": "127.0.0.1"} | self.throttle

    def _events(self, handler, call):
        if self.arriving is not None:
            self.arriving(call.query)
        if self.limiter is not None:
            wait = self.limiter.admit()
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                detail = f"Request was throttled. Expected available in {seconds} seconds."
                headers = {"Retry-After": str(seconds)}
                return self._send_json(handler, call, 429, {"detail": detail}, headers)
        fault = call.fault = self._next_fault()
        kind = fault[0] if fault else None
        if kind == "call":
            fault[1]()
        if kind == "status":
            code, headers, body = (*fault[1:], {}, None)[:3]
            return self._send_json(handler, call, code, body or {"detail": f"fault {code}"}, headers)
        if kind == "html":
            return self._send(handler, call, 200, HTML, "text/html; charset=utf-8")
        if kind == "drop":
            handler.close_connection = True
            return None
        if kind == "sleep" and self._stopping.wait(fault[1]):
            return None
        try:
            page = self._page(call.query)
        except ValueError as error:
            return self._send_json(handler, call, 400, {"detail": str(error)})
        if kind == "empty":
            page["results"] = []
        if kind == "bad_record":
            index, mutate = fault[1], fault[2]
            page["results"][index] = record = copy.deepcopy(page["results"][index])
            mutate(record)
        body = json.dumps(page).encode()
        if kind == "truncate":
            length = len(body) + 1000
            return self._send(handler, call, 200, body[: len(body) // 2], length=length)
        if kind == "cut":
            return self._send(handler, call, 200, body[: len(body) // 2])
        if kind == "content_type":
            return self._send(handler, call, 200, body, fault[1])
        if kind == "redirect":
            return self._send(handler, call, 302, b"", headers={"Location": call.url})
        if kind == "gzip_garbage":
            return self._send(handler, call, 200, body, headers={"Content-Encoding": "gzip"})
        if kind == "drip":
            return self._drip(handler, call, body, fault[1])
        if kind == "drip_headers":
            return self._drip_headers(handler, call, body, fault[1])
        return self._send(handler, call, 200, body)

    def _drip(self, handler, call, body, seconds):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        with call.sending(200):
            handler.end_headers()
        sent, until = 0, time.monotonic() + seconds
        while time.monotonic() < until and not self._stopping.wait(0.05):
            handler.wfile.write(body[sent : sent + 1])
            handler.wfile.flush()
            sent += 1
        handler.wfile.write(body[sent:])
        handler.close_connection = True

    def _drip_headers(self, handler, call, body, seconds):
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Padding: {'x' * 1000}\r\n\r\n"
        ).encode()
        sent, until = 0, time.monotonic() + seconds
        while time.monotonic() < until and sent < len(head) and not self._stopping.wait(0.05):
            handler.wfile.write(head[sent : sent + 1])
            handler.wfile.flush()
            sent += 1
        with call.sending(200):
            handler.wfile.write(head[sent:] + body)
        handler.close_connection = True

    def _page(self, query):
        if self.ignore_query:
            query = {
                key: value for key, value in query.items() if key not in ("last_updated__gte", "offset", "id")
            }
        limit = self.page_size or min(int(query.get("limit", 10)), 100)
        offset = int(query.get("offset", 0))
        events = self._matching(query, offset, limit)
        count = len(events)
        if self.counted is not None:
            self.counted(query)
            events = self._matching(query, offset, limit)
        mode = query.get("mode", "normal").lower()
        results = [self._render(event, mode) for event in events[offset : offset + limit]]
        next_url = previous_url = None
        if offset + limit < count:
            next_url = self.url(EVENTS_PATH, query | {"limit": limit, "offset": offset + limit})
        if offset > 0:
            back = {key: value for key, value in query.items() if key != "offset"} | {"limit": limit}
            if offset - limit > 0:
                back["offset"] = offset - limit
            previous_url = self.url(EVENTS_PATH, back)
        return {"count": count, "next": next_url, "previous": previous_url, "results": results}

    def _matching(self, query, offset, limit):
        """The events `query` asks for, in its order (ties as `tie_order` gives them for that page)."""
        field = {"last_updated": "last_updated", "": "date", "date": "date"}.get(query.get("ordering", ""))
        if field is None:
            raise ValueError(f"ordering {query['ordering']!r} not supported by the fake")
        ids = sorted(event["id"] for event in self.events)
        ties = self.tie_order(ids, offset, limit) if self.tie_order else ids
        place = {event_id: number for number, event_id in enumerate(ties)}
        events = sorted(self.events, key=lambda event: (stamp(event[field]), place[event["id"]]))
        if query.get("last_updated__gte"):
            since = stamp(query["last_updated__gte"])
            events = [event for event in events if stamp(event["last_updated"]) >= since]
        for name, field, within in (
            ("last_updated__lte", "last_updated", operator.le),
            ("date__gte", "date", operator.ge),
            ("date__lte", "date", operator.le),
        ):
            if query.get(name):
                bound = stamp(query[name])
                events = [event for event in events if within(stamp(event[field]), bound)]
        if query.get("id"):
            wanted = {int(value) for value in query["id"].split(",")}
            events = [event for event in events if event["id"] in wanted]
        return events

    def _render(self, event, mode):
        if self.shows is not None:
            event = event | {field: self._shown(event[field]) for field in ("last_updated", "date")}
        if mode == "detailed":
            return event
        keys = LIST_KEYS if mode == "list" else NORMAL_KEYS
        return {key: event[key] for key in keys if key in event} | {"response_mode": mode}

    def _shown(self, text):
        moment = stamp(text)
        fraction = f"{moment.microsecond:06}"[: self.shows]
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"

    def _send_json(self, handler, call, status, document, headers=None):
        self._send(handler, call, status, json.dumps(document).encode(), headers=headers)

    def _send(
        self, handler, call, status, body, content_type="application/json", *, length=None, headers=None
    ):
        handler.send_response(status)
        sent = {"Content-Type": content_type, "Content-Length": str(length or len(body))} | (headers or {})
        for name, value in sent.items():
            handler.send_header(name, value)
        with call.sending(status):
            handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.close_connection = True
