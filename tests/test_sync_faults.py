"""sync_ll2 against a faulty upstream (tests/fake_upstream.py): calls that time out, faults retried while it
may help (5xx, 429 and the wait it asks, dropped, cut or undecodable answers) and within a bound, records that
fail validation, and the stop that keeps every page that arrived.

The fake serves the 114 fixture events in pages of its own size (40 unless a test says otherwise, whatever
`limit` the client asks), so the sync's keyset pages (`last_updated__gte` the newest `last_updated` of the
page before) are: events 0-39, 39-78, 78-113 in (last_updated, id) order. The client's waits are real
where a test measures them (a `Retry-After: 1`, a 0.5 s timeout) and on a fake clock where they would be
long (the rate budget's are in tests/test_sync_budget.py).
"""

import json
import re
import signal
import threading
import time

import httpx
import pytest
from django.core.management import CommandError
from django.db import OperationalError

from ingest.errors import IngestError
from ingest.models import SyncCheckpoint
from ingest.sync import CHECKPOINT_OVERLAP, sync_events
from ingest.upstream import Budget, SyncStopped, UnreachableError, Upstream, UpstreamError
from spacedevs.models import DataState

from .fake_upstream import FakeClock, stamp
from .sync_fixtures import (
    FAST,
    FIRST_PAGE,
    HTML_TYPE,
    ORDERED,
    PAGE,
    SECOND_PAGE_SINCE,
    SMALL,
    THIN,
    assert_stopped_after_first_page,
    closed_port_url,
    full_url,
    iso,
    page_url,
    stored_ids,
)

pytestmark = pytest.mark.django_db


def first_page_through(fake, connect, *faults):
    """Page 1 asked of `fake` through `faults`, then answered: (the seconds it took, the page, what each
    retry logged, without its wait)."""
    fake.script(*faults)
    messages = []
    upstream = connect(fake, log=messages.append)
    started = time.monotonic()
    page = upstream.get_page(page_url(fake))
    return time.monotonic() - started, page, [line.rsplit("; retrying in ", 1)[0] for line in messages]


def test_an_answer_past_the_calls_timeout_and_an_undecodable_one_are_retried(fake_ll2, connect):
    # httpx's timeout bounds each read: a body sent a byte at a time took as long as its server liked.
    fake = fake_ll2()
    seconds, page, messages = first_page_through(fake, connect, ("drip", 3), ("gzip_garbage",))
    assert seconds < 2.5  # the call given up after 0.5 s, not after the 3 s of its body
    assert [event["id"] for event in page["results"]] == FIRST_PAGE
    assert [call.fault for call in fake.calls()] == [("drip", 3), ("gzip_garbage",), None]
    url = page_url(fake)
    timed_out, undecodable = messages
    assert timed_out == f"{url}: timed out"
    assert undecodable.startswith(f"{url}: unreadable body (")


def test_a_redirect_loop_stops_the_sync_naming_the_url(fake_ll2, connect):
    fake = fake_ll2()
    fake.script(None)
    fake.always = ("redirect",)
    with pytest.raises(UpstreamError) as stopped:
        # A call is its 21 requests here (httpx follows 20 redirects): 0.5 s for them all ran out under load.
        sync_events(connect(fake, timeout=5), since="auto")
    message = f"{page_url(fake, SECOND_PAGE_SINCE)}: redirected too many times"
    assert (type(stopped.value), str(stopped.value)) == (UpstreamError, message)
    assert_stopped_after_first_page(fake, message)


def test_headers_sent_a_byte_at_a_time_end_the_call_at_its_timeout(fake_ll2, connect):
    fake = fake_ll2()
    seconds, page, messages = first_page_through(fake, connect, ("drip_headers", 3))
    assert seconds < 2.5  # the call given up after 0.5 s, not after the 3 s of its headers
    assert [event["id"] for event in page["results"]] == FIRST_PAGE
    assert [call.fault for call in fake.calls()] == [("drip_headers", 3), None]
    assert messages == [f"{page_url(fake)}: timed out"]
    # The timer and its signal's handler as they were.
    assert signal.getitimer(signal.ITIMER_REAL) == (0, 0)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_a_stop_asked_for_during_a_slow_answer_ends_the_call(fake_ll2):
    fake = fake_ll2()
    fake.script(("drip", 10))
    stop = threading.Event()
    upstream = Upstream(fake.base_url, fallback_budget=Budget(1000, 1), timeout=30, stopped=stop.is_set)
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    try:
        with pytest.raises(SyncStopped):
            upstream.get_page(page_url(fake))
    finally:
        upstream.close()
    assert time.monotonic() - started < 2


# --- Faults: retried while it may help, then a stop that keeps every page that arrived ---------------------


def test_fixture_pages_are_as_this_module_expects():
    assert len(ORDERED) == 114
    assert ORDERED[PAGE - 1]["last_updated"] == SECOND_PAGE_SINCE
    # No two fixture events share a last_updated, so each next page starts at the cursor's one event.
    assert len({event["last_updated"] for event in ORDERED}) == 114


def test_transient_faults_are_retried_and_html_stops_the_sync(fake_ll2, connect):
    fake = fake_ll2()
    faults = [
        ("status", 429, {"Retry-After": "1"}),
        ("status", 500),
        ("status", 503),
        ("drop",),
        ("sleep", 1.5),
        ("truncate",),
        ("cut",),
        ("html",),
    ]
    fake.script(None, *faults)
    messages = []
    upstream = connect(fake, log=messages.append)
    second = page_url(fake, SECOND_PAGE_SINCE)

    with pytest.raises(UpstreamError) as stopped:
        sync_events(upstream, since="auto")

    message = f"{second}: not LL2 JSON (Content-Type {HTML_TYPE})"
    assert str(stopped.value) == message
    assert type(stopped.value) is UpstreamError
    calls = fake.calls()
    assert [call.fault for call in calls] == [None, *faults]
    # (The hung call's handler may still be asleep: its status is left out.)
    assert [call.status for call in calls[:5] + calls[6:]] == [200, 429, 500, 503, 0, 200, 200, 200]
    assert full_url(fake, calls[0]) == page_url(fake)
    assert {full_url(fake, call) for call in calls[1:]} == {second}
    # The 429 asked for a second: the next call came at least that much later.
    assert calls[2].time - calls[1].time >= 1.0
    # The call that hung was given up after the client's 0.5 s timeout, not the fake's 1.5 s. (Timed where
    # the fake received each call: the client's wait starts before the fake has read the request, so a
    # little less than 0.5 s may pass between the two.)
    assert 0.4 <= calls[6].time - calls[5].time < 1.4
    body = json.dumps(fake._page(calls[1].query)).encode()  # the second page as the fake sends it
    with pytest.raises(ValueError) as cut:
        json.loads(body[: len(body) // 2])
    assert [line.rsplit("; retrying in ", 1)[0] for line in messages] == [
        f"{second}: 429 Too Many Requests",
        f"{second}: 500 Internal Server Error",
        f"{second}: 503 Service Unavailable",
        f"{second}: Server disconnected without sending a response",
        f"{second}: timed out",
        f"{second}: peer closed connection without sending complete message body "
        f"(received {len(body) // 2} bytes, expected {len(body) + 1000})",
        f"{second}: truncated or malformed JSON ({cut.value})",
    ]
    assert messages[0].endswith("; retrying in 1.0 s")
    assert all(re.fullmatch(r"\d+\.\d", line.rsplit(" ", 2)[1]) for line in messages)
    assert_stopped_after_first_page(fake, message)

    # The next run resumes CHECKPOINT_OVERLAP before page 1's newest event (those since, fetched again,
    # are unchanged) and loses nothing.
    resumed = stamp(SECOND_PAGE_SINCE) - CHECKPOINT_OVERLAP
    again = [event for event in ORDERED[:PAGE] if stamp(event["last_updated"]) >= resumed]
    summary = sync_events(upstream, since="auto")
    assert str(summary) == f"2 pages: 74 created, 0 updated, {len(again)} unchanged, 0 pruned"
    resumed_page = [event for event in ORDERED if stamp(event["last_updated"]) >= resumed][:PAGE]
    assert [full_url(fake, call) for call in fake.calls()[-2:]] == [
        page_url(fake, iso(resumed)),
        page_url(fake, resumed_page[-1]["last_updated"]),
    ]
    assert stored_ids() == sorted(event["id"] for event in ORDERED)
    checkpoint = SyncCheckpoint.objects.get()
    assert (checkpoint.last_updated, checkpoint.last_id, checkpoint.last_error) == (
        stamp("2026-11-25T21:14:08Z"),
        463,
        "",
    )


def set_vid_url_type(record):
    record["vid_urls"][0]["type"]["id"] = "x"


def drop_slug(record):
    del record["slug"]


def list_as_type_id(record):
    record["type"]["id"] = [13]


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (set_vid_url_type, "field 'vid_urls[0].type.id': expected an integer, got 'x'"),
        (drop_slug, "field 'slug': is missing"),
        (list_as_type_id, "field 'type.id': expected an integer, got [13]"),
    ],
)
def test_a_bad_record_stops_the_sync_naming_page_record_and_field(fake_ll2, connect, mutate, problem):
    # Record 4 of page 2 (which starts again at page 1's last event) is event 317, with a video URL.
    index = 3
    assert ORDERED[PAGE - 1 + index]["id"] == 317 and ORDERED[PAGE - 1 + index]["vid_urls"]
    fake = fake_ll2()
    fake.script(None, ("bad_record", index, mutate))
    second = page_url(fake, SECOND_PAGE_SINCE)

    with pytest.raises(IngestError) as stopped:
        sync_events(connect(fake), since="auto")

    message = f"{second}: record 4 (id 317): {problem}"
    assert str(stopped.value) == message
    assert len(fake.calls()) == 2
    assert_stopped_after_first_page(fake, message)


def test_a_bad_record_on_the_first_page_changes_nothing(fake_ll2, connect):
    fake = fake_ll2()
    fake.script(("bad_record", 0, drop_slug))
    with pytest.raises(IngestError) as stopped:
        sync_events(connect(fake), since="auto")
    assert str(stopped.value) == f"{page_url(fake)}: record 1 (id 138): field 'slug': is missing"
    assert stored_ids() == []
    # The upstream answered as LL2 does: its checkpoint holds the error (`--status`), and nothing else.
    checkpoint = SyncCheckpoint.objects.get()
    assert (checkpoint.upstream, checkpoint.last_updated, checkpoint.last_success) == (
        fake.base_url,
        None,
        None,
    )
    assert checkpoint.last_error == str(stopped.value)


def test_a_database_error_on_the_first_pages_checkpoint_is_the_error_reported(fake_ll2, connect, monkeypatch):
    """The page and its checkpoint's insert are rolled back: the error is noted on a checkpoint of its own,
    and none of the page's progress, which the rolled-back checkpoint held in memory."""
    fake = fake_ll2()
    locked = OperationalError("database is locked")

    def synced(upstream, at):  # the page's last write, after its checkpoint's insert
        raise locked

    monkeypatch.setattr(DataState, "synced", synced)
    with pytest.raises(OperationalError) as stopped:
        sync_events(connect(fake), since="auto")
    assert stopped.value is locked
    assert stored_ids() == []
    checkpoint = SyncCheckpoint.objects.get()
    assert (checkpoint.last_updated, checkpoint.last_id, checkpoint.last_success) == (None, None, None)
    assert checkpoint.last_error == "database is locked"


def drop_last_updated(record):
    del record["last_updated"]


def null_last_updated(record):
    record["last_updated"] = None


@pytest.mark.parametrize(
    ("mutate", "problem"), [(drop_last_updated, "is missing"), (null_last_updated, "must not be null")]
)
def test_a_record_without_last_updated_is_named(fake_ll2, connect, mutate, problem):
    fake = fake_ll2(THIN)
    fake.script(None, ("bad_record", 2, mutate))
    with pytest.raises(IngestError) as stopped:
        sync_events(connect(fake), since="auto")
    second = page_url(fake, SECOND_PAGE_SINCE)
    message = f"{second}: record 3 (id {ORDERED[PAGE + 1]['id']}): field 'last_updated': {problem}"
    assert str(stopped.value) == message
    assert_stopped_after_first_page(fake, message)


def drop_id(record):
    del record["id"]


def test_a_page_whose_last_record_has_no_id_exits_1_naming_it(fake_ll2, sync_ll2):
    fake = fake_ll2(THIN)
    fake.script(None, ("bad_record", PAGE - 1, drop_id))
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", fake.base_url, *FAST)
    message = f"{page_url(fake, SECOND_PAGE_SINCE)}: record {PAGE}: field 'id': is missing"
    assert (str(failed.value), failed.value.returncode) == (message, 1)
    assert_stopped_after_first_page(fake, message)


def test_retries_are_bounded(fake_ll2, connect):
    fake = fake_ll2(THIN)
    fake.script(None)
    fake.always = ("status", 500)
    second = page_url(fake, SECOND_PAGE_SINCE)

    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake, attempts=3), since="auto")

    message = f"{second}: 500 Internal Server Error (gave up after 3 attempts)"
    assert str(stopped.value) == message
    assert [call.status for call in fake.calls()] == [200, 500, 500, 500]
    assert_stopped_after_first_page(fake, message)


@pytest.mark.parametrize(
    ("headers", "next_use_secs", "waits"),
    [
        ({}, 7, 7.0),
        ({}, -3, 0.0),
        ({}, float("inf"), 3600.0),
        ({"Retry-After": "99999999999"}, 7, 3600.0),
        ({"Retry-After": "\u00b2"}, 7, 7.0),  # a superscript two: no number of seconds
        ({}, float("nan"), None),  # no number of seconds: the retry's own backoff
    ],
)
def test_a_429_waits_as_long_as_it_asks_within_an_hour(fake_ll2, connect, headers, next_use_secs, waits):
    clock = FakeClock()
    fake = fake_ll2(clock=clock)
    fake.script(
        ("status", 429, headers, {"detail": "Request was throttled.", "next_use_secs": next_use_secs})
    )
    upstream = connect(fake, clock=clock, sleep=clock.sleep)
    page = upstream.get_page(page_url(fake))
    assert [event["id"] for event in page["results"]] == FIRST_PAGE
    [slept] = clock.sleeps
    assert slept == waits if waits is not None else 0 <= slept <= 0.05
    assert [call.status for call in fake.calls()] == [429, 200]


@pytest.mark.parametrize(
    ("answer", "waits"),
    [
        # A proxy that dropped Retry-After: the wait stated in LL2's text.
        ((429, {}, {"detail": "Request was throttled. Expected available in 120 seconds."}), 120.0),
        ((503, {"Retry-After": "120"}), 120.0),  # LL2 down for maintenance, back in two minutes
        ((502, {"Retry-After": "99999999999"}), 3600.0),
        ((500, {}), None),  # the retry's own backoff
        ((503, {"Retry-After": "0"}), None),  # a server's wait is the least: the backoff still comes
    ],
)
def test_a_stated_wait_is_waited_whatever_the_status_says_it_for(fake_ll2, connect, answer, waits):
    clock = FakeClock()
    fake = fake_ll2(clock=clock)
    fake.script(("status", *answer))
    upstream = connect(fake, clock=clock, sleep=clock.sleep)
    assert [event["id"] for event in upstream.get_page(page_url(fake))["results"]] == FIRST_PAGE
    [slept] = clock.sleeps
    assert slept == waits if waits is not None else 0 < slept <= 0.01  # the first backoff's
    assert [call.status for call in fake.calls()] == [answer[0], 200]


def test_a_retry_says_when_it_comes_the_budgets_wait_included(fake_ll2, connect):
    # One call a minute: the backoff's hundredth of a second is not when the call after a 500 comes.
    clock, messages = FakeClock(), []
    fake = fake_ll2(clock=clock)
    fake.script(("status", 500))
    upstream = connect(fake, budget=Budget(1, 60), clock=clock, sleep=clock.sleep, log=messages.append)
    upstream.get_page(page_url(fake))
    assert messages == [f"{page_url(fake)}: 500 Internal Server Error; retrying in 60.0 s"]
    assert (sum(clock.sleeps), [call.status for call in fake.calls()]) == (pytest.approx(60.0), [500, 200])


def test_the_first_call_to_no_server_is_unreachable_at_once(connect):
    url = closed_port_url()
    upstream = connect(url)
    with pytest.raises(UnreachableError) as stopped:
        sync_events(upstream, since="auto")
    assert str(stopped.value) == (
        f"{url}/events/?mode=detailed&limit=100&ordering=last_updated: cannot connect "
        "([Errno 111] Connection refused)"
    )
    assert not SyncCheckpoint.objects.exists()


def test_an_upstream_that_answered_before_and_goes_away_is_retried(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10)
    upstream = connect(fake, attempts=2)
    sync_events(upstream, since="auto")
    fake.__exit__(None, None, None)  # the upstream restarts, say
    with pytest.raises(UpstreamError) as stopped:
        sync_events(upstream, since="auto")
    assert type(stopped.value) is UpstreamError
    assert str(stopped.value).endswith("(gave up after 2 attempts)")


def test_a_connect_timeout_on_the_first_call_is_unreachable(connect):
    upstream = connect(closed_port_url(), attempts=2)

    def no_answer(request):
        raise httpx.ConnectTimeout("timed out", request=request)

    upstream.client.close()
    upstream.client = httpx.Client(transport=httpx.MockTransport(no_answer))
    with pytest.raises(UnreachableError):
        sync_events(upstream, since="auto")
