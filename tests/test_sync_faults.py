"""sync_ll2 against a faulty upstream (tests/fake_upstream.py): retries, stops, budgets and exit statuses.

The fake serves the 114 fixture events in pages of its own size (40 unless a test says otherwise, whatever
`limit` the client asks), so the sync's keyset pages (`last_updated__gte` the newest `last_updated` of the
page before) are: events 0-39, 39-78, 78-113 in (last_updated, id) order. The client's waits are real
where a test measures them (a `Retry-After: 1`, a 0.5 s timeout) and on a fake clock where they would be
long (the budget).
"""

import contextlib
import copy
import datetime
import io
import json
import os
import random
import re
import signal
import threading
import time
from types import SimpleNamespace

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.utils import timezone

from events.models import Event
from ingest import service
from ingest.errors import IngestError
from ingest.management.commands import sync_ll2 as sync_command
from ingest.models import SyncCheckpoint
from ingest.prune import PruneRefused, prune_events, still_upstream, upstream_event_ids
from ingest.records import ingest_records
from ingest.sync import CHECKPOINT_OVERLAP, SyncBusy, exclusive_sync, overlapped, sync_events
from ingest.upstream import Budget, Retry, SyncStopped, UnreachableError, Upstream, UpstreamError, tls_context
from spacedevs.models import DataState

from .fake_upstream import FakeClock, shuffled_by_page, sort_key, stamp
from .sync_fixtures import (
    FAST,
    ORDERED,
    PAGE,
    THIN,
    closed_port_url,
    sync_log,
    written_while_asking_about_slugs,
)

pytestmark = pytest.mark.django_db

FIRST_PAGE = [event["id"] for event in ORDERED[:PAGE]]
# SMALL: the first 30 thin events, served in pages of 10.
SMALL = THIN[:30]
HTML_TYPE = "text/html; charset=utf-8"


@pytest.fixture
def connect():
    """An Upstream on a fake: fast retries (0.01 s doubling, at most 0.05 s), a 0.5 s timeout and a
    generous fallback budget."""
    opened = []

    def open_upstream(fake_or_url, *, attempts=9, budget=None, timeout=0.5, **options):
        base_url = getattr(fake_or_url, "base_url", fake_or_url)
        upstream = Upstream(
            base_url,
            fallback_budget=budget or Budget(1000, 1),
            retry=Retry(attempts=attempts, base=0.01, cap=0.05),
            timeout=timeout,
            **options,
        )
        opened.append(upstream)
        return upstream

    yield open_upstream
    for upstream in opened:
        upstream.close()


def page_url(fake, since=None, offset=0, until=None, dated=None):
    """The URL the sync asks for (written out here rather than taken from ingest.sync): from `since`, or in
    a group to `until`, by date, from `dated` (a date, or the (first, last) moments of a shared one)."""
    ordering = "last_updated" if until is None else "date"
    url = f"{fake.base_url}/events/?mode=detailed&limit=100&ordering={ordering}"
    bounds = [since, until, *([dated] if isinstance(dated, str) else dated or [])]
    names = ("last_updated__gte", "last_updated__lte", "date__gte", "date__lte")
    for name, bound in zip(names, bounds, strict=False):
        if bound is not None:
            url += f"&{name}=" + bound.replace(":", "%3A")
    return url + (f"&offset={offset}" if offset else "")


KEYSET = ("last_updated__gte", "last_updated__lte", "date__gte", "date__lte", "offset")


def pages_asked(fake):
    """Where each page of events the sync asked for stands: its KEYSET parameters, those given (not the
    questions about events by id)."""
    pages = [call for call in fake.calls() if "id" not in call.query]
    return [{key: call.query[key] for key in KEYSET if key in call.query} for call in pages]


def asked(*values):
    """A page asked for, as pages_asked gives it: KEYSET's values, in order (None: not given)."""
    return {key: value for key, value in zip(KEYSET, values, strict=False) if value is not None}


def iso(moment):
    """A `last_updated` as LL2 writes it."""
    return moment.isoformat().replace("+00:00", "Z")


def full_url(fake, call):
    return f"http://127.0.0.1:{fake.port}{call.url}"


def stored_ids():
    return sorted(Event.objects.values_list("id", flat=True))


def assert_stopped_after_first_page(fake, message):
    """The database holds page 1 exactly, and the checkpoint stands at its end, naming the error."""
    assert stored_ids() == sorted(FIRST_PAGE)
    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.upstream == fake.base_url
    assert checkpoint.last_updated == stamp(ORDERED[PAGE - 1]["last_updated"])
    assert checkpoint.last_id == ORDERED[PAGE - 1]["id"] == 165
    assert checkpoint.last_error == message
    assert checkpoint.last_error_at is not None
    assert checkpoint.last_success is not None


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

SECOND_PAGE_SINCE = "2022-12-14T06:26:02Z"  # the newest last_updated of page 1 (event 165)


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
    ],
)
def test_a_stated_wait_is_waited_whatever_the_status_says_it_for(fake_ll2, connect, answer, waits):
    clock = FakeClock()
    fake = fake_ll2(clock=clock)
    fake.script(("status", *answer))
    upstream = connect(fake, clock=clock, sleep=clock.sleep)
    assert [event["id"] for event in upstream.get_page(page_url(fake))["results"]] == FIRST_PAGE
    [slept] = clock.sleeps
    assert slept == waits if waits is not None else 0 <= slept <= 0.05
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


# --- Keyset pages: ties and an upstream that changes during the run ----------------------------------------


def test_ties_across_pages_are_neither_skipped_nor_repeated(fake_ll2, connect):
    events = copy.deepcopy(SMALL)
    for number, event in enumerate(events[5:25]):
        event["last_updated"], event["date"] = "2024-01-01T00:00:00Z", tie_date(number)
    for number, event in enumerate(events[25:]):
        event["last_updated"] = f"2024-06-0{number + 1}T00:00:00Z"
    fake = fake_ll2(events, page_size=8)
    upstream = connect(fake)

    summary = sync_events(upstream, since=None)

    assert str(summary) == "6 pages: 30 created, 0 updated, 0 unchanged, 0 pruned"
    assert stored_ids() == sorted(event["id"] for event in events)
    # Page 2 starts again at the 3 ties of page 1 and holds only ties: the 20 are read as a group, by date
    # (each page from the newest date of the page before), then the events from the second after theirs.
    tie, until = "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.999999Z"
    assert pages_asked(fake) == [
        asked(),
        asked(tie),
        asked(tie, until),
        asked(tie, until, tie_date(7)),
        asked(tie, until, tie_date(14)),
        asked("2024-01-01T00:00:01Z"),
    ]
    # The next run asks again from the newest last_updated, where the newest event imports as unchanged.
    assert str(sync_events(upstream, since="auto")) == "1 page: 0 created, 0 updated, 1 unchanged, 0 pruned"


def test_events_updated_upstream_during_the_sync_are_not_lost(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10)
    # Once page 1 is in, an event of page 1 and the first of page 2 are updated: both move to the end.
    moved = {SMALL[0]["id"]: "Renamed during the sync", SMALL[10]["id"]: "Moved past page 2"}

    def update_upstream(page, summary):
        if summary.pages == 1:
            for event in fake.events:
                if event["id"] in moved:
                    event["name"], event["last_updated"] = moved[event["id"]], "2027-01-01T00:00:00Z"
            fake.events.sort(key=sort_key)

    summary = sync_events(connect(fake), since="auto", on_page=update_upstream)

    assert str(summary) == "4 pages: 30 created, 1 updated, 0 unchanged, 0 pruned"
    assert stored_ids() == sorted(event["id"] for event in SMALL)
    assert [call.query.get("offset") for call in fake.calls()] == [None, None, None, None]
    assert dict(Event.objects.filter(id__in=moved).values_list("id", "name")) == moved


def test_a_run_from_past_the_checkpoint_leaves_it_where_it_was(fake_ll2, connect):
    fake = fake_ll2(SMALL[:10], page_size=10)
    upstream = connect(fake)
    sync_events(upstream, since="auto")
    checkpoint = SyncCheckpoint.objects.values_list("last_updated", "last_id").get()
    assert checkpoint == (stamp(SMALL[9]["last_updated"]), SMALL[9]["id"])
    # 20 more events upstream; a run asks for the newest 10 alone, then the regular run comes.
    fake.events = copy.deepcopy(SMALL)
    assert str(sync_events(upstream, since=stamp(SMALL[20]["last_updated"]))) == (
        "1 page: 10 created, 0 updated, 0 unchanged, 0 pruned"
    )
    assert SyncCheckpoint.objects.values_list("last_updated", "last_id").get() == checkpoint
    # From CHECKPOINT_OVERLAP before the checkpoint: those events again, and the 10 of the run from later.
    again = [
        event for event in SMALL[:10] if stamp(event["last_updated"]) >= checkpoint[0] - CHECKPOINT_OVERLAP
    ]
    assert str(sync_events(upstream, since="auto")) == (
        f"3 pages: 10 created, 0 updated, {10 + len(again)} unchanged, 0 pruned"
    )
    assert stored_ids() == sorted(event["id"] for event in SMALL)
    assert SyncCheckpoint.objects.values_list("last_updated", "last_id").get() == (
        stamp(SMALL[29]["last_updated"]),
        SMALL[29]["id"],
    )


def test_a_run_reads_again_the_minutes_before_its_checkpoint(fake_ll2, connect):
    # An upstream stamps an event before its write commits: one that commits after a run has moved the
    # checkpoint past its stamp is read by the next run, if stamped less than CHECKPOINT_OVERLAP before it.
    fake = fake_ll2(SMALL[:10], page_size=10)
    upstream = connect(fake)
    sync_events(upstream, since="auto")
    checkpoint = SyncCheckpoint.objects.values_list("last_updated", "last_id").get()
    start = checkpoint[0] - CHECKPOINT_OVERLAP
    late, too_late = copy.deepcopy(SMALL[10]), copy.deepcopy(SMALL[11])
    late["last_updated"] = iso(start + datetime.timedelta(seconds=1))
    too_late["last_updated"] = iso(start - datetime.timedelta(seconds=1))
    fake.events = sorted([*fake.events, late, too_late], key=sort_key)
    again = [event for event in SMALL[:10] if stamp(event["last_updated"]) >= start]
    assert 0 < len(again) < 10

    summary = sync_events(upstream, since="auto")

    assert str(summary) == f"1 page: 1 created, 0 updated, {len(again)} unchanged, 0 pruned"
    assert full_url(fake, fake.calls()[-1]) == page_url(fake, iso(start))
    assert stored_ids() == sorted([*(event["id"] for event in SMALL[:10]), late["id"]])
    # The checkpoint never moves back.
    assert SyncCheckpoint.objects.values_list("last_updated", "last_id").get() == checkpoint


SECOND = datetime.timedelta(seconds=1)  # a Date less a call of a fraction of a second, cut to the second


def test_an_event_written_between_a_runs_pages_is_the_next_runs(fake_ll2, connect):
    # Near the upstream's newest events a run reads its pages minutes apart (its call budget): an event
    # written between two of them, stamped before the cursor, is not in the run's later pages. The checkpoint
    # stays at the moment the upstream read the run's first page from (its Date, less the call's fraction of
    # a second, cut to the second), so that the next run, from CHECKPOINT_OVERLAP before it, reads that event.
    served = datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)
    events = copy.deepcopy(SMALL[:20])
    for number, event in enumerate(events):
        late_by = datetime.timedelta(seconds=number - 60 if number < 10 else 600 + number)
        event["last_updated"] = iso(served + late_by)
    late = copy.deepcopy(SMALL[20]) | {"last_updated": iso(served - datetime.timedelta(seconds=90))}
    fake = fake_ll2(events, page_size=10)
    fake.served_at = served
    upstream = connect(fake)

    def write_late(page, summary):
        if summary.pages == 1:
            fake.events = sorted([*fake.events, late], key=sort_key)

    sync_events(upstream, since="auto", on_page=write_late)
    assert late["id"] not in stored_ids()
    assert SyncCheckpoint.objects.values_list("last_updated", flat=True).get() == served - SECOND
    # A run from a moment within CHECKPOINT_OVERLAP before the checkpoint does not vouch for what is before
    # it: the checkpoint stays.
    fake.served_at = served + datetime.timedelta(minutes=20)
    sync_events(upstream, since=served)
    assert SyncCheckpoint.objects.values_list("last_updated", flat=True).get() == served - SECOND
    sync_events(upstream, since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, late])


def test_an_event_written_while_the_first_page_was_made_is_the_next_runs(fake_ll2, connect):
    # An upstream sets its Date once a page is ready: one taking a second read its data up to a second
    # before its Date. An event written meanwhile, stamped CHECKPOINT_OVERLAP and a second before the Date,
    # is not on the page, and would be before the next run had the checkpoint been the Date. It stands the
    # call's time before the Date, cut to the second, and the next run reads that event.
    served = datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)
    events = copy.deepcopy(THIN[:2])
    for number, event in enumerate(events):
        event["last_updated"] = iso(served + datetime.timedelta(minutes=number + 1))
    late = copy.deepcopy(THIN[2]) | {"last_updated": iso(served - SECOND - CHECKPOINT_OVERLAP)}
    fake = fake_ll2(events)
    fake.served_at = served
    fake.script(("sleep", 1.0))
    upstream = connect(fake, timeout=5)
    sync_events(upstream, since=None)
    assert SyncCheckpoint.objects.get().last_updated == served - 2 * SECOND
    fake.events = sorted([*fake.events, late], key=sort_key)
    sync_events(upstream, since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, late])


def test_a_run_from_a_moment_with_a_fraction_reads_from_its_whole_second(fake_ll2, connect):
    # Stored at 12:00:00.7, shown as 12:00:00Z: a run from 12:00:00.5 asks from 12:00:00 and reads it.
    events = copy.deepcopy(THIN[:2])
    events[0]["last_updated"], events[1]["last_updated"] = "2024-06-01T12:00:00.7Z", "2024-06-01T12:00:05Z"
    fake = fake_ll2(events, shows=0)
    summary = sync_events(connect(fake), since=stamp("2024-06-01T12:00:00.5Z"))
    assert str(summary) == "1 page: 2 created, 0 updated, 0 unchanged, 0 pruned"
    assert pages_asked(fake) == [asked("2024-06-01T12:00:00Z")]


def test_a_first_run_from_a_date_leaves_the_events_before_it_to_the_next(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10)
    upstream = connect(fake)
    since = stamp(SMALL[20]["last_updated"])
    assert str(sync_events(upstream, since=since)) == "1 page: 10 created, 0 updated, 0 unchanged, 0 pruned"
    # Not every event older than the newest is in: no checkpoint says so.
    assert SyncCheckpoint.objects.values_list("last_updated", flat=True).get() is None
    sync_events(upstream, since="auto")
    assert stored_ids() == sorted(event["id"] for event in SMALL)
    assert SyncCheckpoint.objects.values_list("last_updated", "last_id").get() == (
        stamp(SMALL[29]["last_updated"]),
        SMALL[29]["id"],
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="an in-memory SQLite database's own lock")
def test_one_sync_at_a_time_on_an_in_memory_database(db):
    with exclusive_sync(), pytest.raises(SyncBusy), exclusive_sync():
        pass
    with exclusive_sync():
        pass  # released


def test_an_upstream_that_ignores_the_keyset_is_refused(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10, ignore_query=True)
    upstream = connect(fake)
    with pytest.raises((UpstreamError, IngestError)):
        sync_events(upstream, since="auto", should_stop=lambda: len(fake.calls()) >= 5)


def with_ties(count, *, before=1, after=2, date=None):
    """Thin events: `before` of them, then `count` sharing TIE, then `after`, each at its own later
    last_updated. The tied ones are dated in id order (the order the fake serves ties in), or all at `date`.
    Returns (events, the tied ones, in id order)."""
    events = copy.deepcopy(THIN[: before + count + after])
    for number, event in enumerate(events[:before]):
        event["last_updated"] = f"2024-01-{number + 1:02}T00:00:00Z"
    tied = sorted(events[before : before + count], key=lambda event: event["id"])
    for number, event in enumerate(tied):
        event["last_updated"], event["date"] = TIE, date or tie_date(number)
    for number, event in enumerate(events[before + count :]):
        event["last_updated"] = f"2024-03-{number + 1:02}T00:00:00Z"
    return events, tied


TIE = "2024-02-01T00:00:00Z"
TIE_UNTIL = "2024-02-01T00:00:00.999999Z"  # the last moment of TIE's second
AFTER_TIE = "2024-02-01T00:00:01Z"


def tie_date(number):
    """The date with_ties gives the tied event `number` (in id order)."""
    return iso(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC) + number * datetime.timedelta(hours=1))


def still_tied(fake):
    """The ids of the upstream's events still at TIE, in order."""
    return sorted(event["id"] for event in fake.events if event["last_updated"] == TIE)


def shared_offsets(fake, tie=None):
    """The offsets of the pages asked for of events sharing a date in a group (the group at `tie`, or any),
    in order."""
    pages = [page for page in pages_asked(fake) if "date__lte" in page]
    return [page.get("offset", "0") for page in pages if tie in (None, page["last_updated__gte"])]


def change_upstream(fake, event_id, change):
    """Update an event upstream (a new name and last_updated: it moves to the end), or delete it."""
    if change == "deleted":
        fake.events = [event for event in fake.events if event["id"] != event_id]
        return
    for event in fake.events:
        if event["id"] == event_id:
            event["name"], event["last_updated"] = "Updated during the sync", "2027-01-01T00:00:00Z"
    fake.events.sort(key=sort_key)


def test_a_slug_the_upstream_moved_between_its_answers_is_a_fault_to_try_again(fake_ll2, connect):
    """The page gives an event the slug of a local one; asked about that one, the upstream still gives it the
    slug (it changed between the two answers, minutes apart at LL2's rate): a fault of the upstream's moment,
    which --watch tries again at its next poll, not data that fails validation, which stops it."""
    fake = fake_ll2(SMALL, page_size=10)
    sync_events(connect(fake), since="auto")
    holder, taker = (copy.deepcopy(event) for event in SMALL[3:5])
    taker |= {"slug": holder["slug"], "last_updated": "2030-01-02T00:00:00Z"}
    fake.events = sorted(
        [event for event in fake.events if event["id"] != taker["id"]] + [taker], key=sort_key
    )
    before = sorted(Event.objects.values_list("id", "slug"))
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since="auto")
    assert str(stopped.value).endswith(
        f": the upstream gave slug {holder['slug']!r} to two events in answers minutes apart (it changed "
        "between them); the next run reads them again"
    )
    assert sorted(Event.objects.values_list("id", "slug")) == before


def test_a_slug_a_stale_local_event_holds_is_taken_from_it(fake_ll2, connect):
    # Upstream, one event was deleted and its slug given to a new one; another renamed (its update on a
    # page after the event that takes its old slug). Refused, either would stop every run for good.
    fake = fake_ll2(SMALL, page_size=10)
    sync_events(connect(fake), since="auto")
    deleted, renamed, taker = (copy.deepcopy(event) for event in SMALL[3:6])
    new = copy.deepcopy(SMALL[7]) | {
        "id": 99001,
        "slug": deleted["slug"],
        "last_updated": "2030-01-01T00:00:00Z",
    }
    old_slug = renamed["slug"]
    taker |= {"slug": old_slug, "last_updated": "2030-01-02T00:00:00Z"}
    renamed |= {"slug": "renamed-upstream", "last_updated": "2030-01-03T00:00:00Z"}
    fake.events = sorted(
        [event for event in fake.events if event["id"] not in (deleted["id"], renamed["id"], taker["id"])]
        + [new, taker, renamed],
        key=sort_key,
    )
    fake.page_size = 2  # each new event on a page of its own: the renamed one after its slug's taker
    version = DataState.current().version
    summary = sync_events(connect(fake), since="auto")
    slugs = dict(Event.objects.values_list("id", "slug"))
    assert deleted["id"] not in slugs
    assert (slugs[99001], slugs[taker["id"]], slugs[renamed["id"]]) == (
        deleted["slug"],
        old_slug,
        "renamed-upstream",
    )
    assert sorted(slugs) == sorted(event["id"] for event in fake.events)
    assert (summary.pruned, DataState.current().version > version) == (1, True)
    # The holders were asked about by id, in detailed mode: one call each time a page took a slug.
    asked = [call.query for call in fake.calls() if "id" in call.query]
    assert asked == [
        {"mode": "detailed", "limit": "100", "id": str(deleted["id"])},
        {"mode": "detailed", "limit": "100", "id": str(renamed["id"])},
    ]


def test_a_slug_holder_that_fails_validation_is_named_by_the_answer_it_came_in(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10)
    sync_events(connect(fake), since="auto")
    renamed, taker = (copy.deepcopy(event) for event in SMALL[4:6])
    taker |= {"slug": renamed["slug"], "last_updated": "2030-01-02T00:00:00Z"}
    renamed |= {"slug": "renamed-upstream", "last_updated": "2030-01-03T00:00:00Z"}
    renamed["type"] = renamed["type"] | {"id": "x"}
    fake.events = sorted(
        [event for event in fake.events if event["id"] not in (renamed["id"], taker["id"])]
        + [taker, renamed],
        key=sort_key,
    )
    fake.page_size = 2  # the renamed event on a page after its slug's taker, which asks about it first
    with pytest.raises(IngestError) as stopped:
        sync_events(connect(fake), since="auto")
    asked = f"{fake.base_url}/events/?mode=detailed&limit=100&id={renamed['id']}"
    assert str(stopped.value) == (
        f"{asked}: record 1 (id {renamed['id']}): field 'type.id': expected an integer, got 'x'"
    )


def test_a_record_the_writer_refuses_is_numbered_as_its_page_holds_it(fake_ll2, connect):
    # The second page starts with the first's last event again, which the run does not import twice: the
    # records after it keep their numbers.
    events = copy.deepcopy(SMALL[:6])
    events[4]["slug"] = events[3]["slug"]
    fake = fake_ll2(events, page_size=3)
    with pytest.raises(IngestError) as stopped:
        sync_events(connect(fake), since=None)
    url = page_url(fake, events[2]["last_updated"])
    assert str(stopped.value) == (
        f"{url}: record 3 (id {events[4]['id']}): field 'slug': event {events[4]['id']}: slug "
        f"{events[3]['slug']!r} already belongs to event {events[3]['id']} in this import"
    )


def test_a_slug_a_local_import_takes_while_the_upstream_is_asked_is_a_fault_to_try_again(
    fake_ll2, connect, monkeypatch
):
    """An import_ll2 beside the sync commits an event holding a slug the page takes, after the sync asked
    which local events hold the page's slugs: the page is a fault of the moment (refused by the writer, it
    stopped --watch), and the next run asks about that event."""
    fake = fake_ll2(SMALL, page_size=10)
    sync_events(connect(fake), since="auto")
    new = copy.deepcopy(SMALL[7]) | {"id": 99001, "slug": "taken-here"}
    new["last_updated"] = "2030-01-01T00:00:00Z"
    fake.events = sorted([*fake.events, new], key=sort_key)
    local = copy.deepcopy(SMALL[8]) | {"id": 99002, "slug": "taken-here"}
    written_while_asking_about_slugs(monkeypatch, new, lambda: ingest_records([local], source="local"))
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since="auto")
    assert str(stopped.value).endswith(
        ": event 99002 here took slug 'taken-here' while the upstream was asked about the page's slugs; the "
        "next run asks about it"
    )
    assert Event.objects.get(slug="taken-here").pk == 99002

    monkeypatch.undo()
    summary = sync_events(connect(fake), since="auto")
    assert Event.objects.get(slug="taken-here").pk == 99001
    assert (summary.pruned, Event.objects.filter(pk=99002).exists()) == (1, False)


@pytest.mark.parametrize("change", ["updated", "deleted"])
def test_an_event_leaving_a_tie_during_the_sync_hides_none_of_the_others(fake_ll2, connect, change):
    # Six events in pages of two, three sharing TIE: page 1 ends on the first of them, which is then
    # updated (or deleted) upstream. Page 2, from TIE, holds the other two alone: read as a group, whole.
    events, tied = with_ties(3)
    fake = fake_ll2(events, page_size=2)

    def on_page(page, summary):
        if summary.pages == 1:
            assert [event["id"] for event in page["results"]][-1] == tied[0]["id"]
            change_upstream(fake, tied[0]["id"], change)

    summary = sync_events(connect(fake), since=None, on_page=on_page)

    assert stored_ids() == sorted(event["id"] for event in events)
    pages = [asked(), asked(TIE), asked(TIE, TIE_UNTIL), asked(AFTER_TIE)]
    if change == "updated":
        assert Event.objects.get(id=tied[0]["id"]).name == "Updated during the sync"
        assert str(summary) == "5 pages: 6 created, 1 updated, 0 unchanged, 0 pruned"
        assert pages_asked(fake) == [*pages, asked("2024-03-02T00:00:00Z")]
    else:
        assert str(summary) == "4 pages: 6 created, 0 updated, 0 unchanged, 0 pruned"
        assert pages_asked(fake) == pages


@pytest.mark.parametrize(("changed", "pages"), [(1, 7), (6, 6)])
def test_a_group_changing_during_its_pages_is_read_on_by_date(fake_ll2, connect, changed, pages):
    # Eight events share TIE, in pages of three: the group is read by date, each page from the newest date
    # of the page before. Once its first page is in (page 3), the second (read) or the seventh (not yet
    # read) is updated upstream: it comes again at its new last_updated, and the group goes on.
    events, tied = with_ties(8, after=1)
    fake = fake_ll2(events, page_size=3)

    def on_page(page, summary):
        if summary.pages == 3:
            assert [event["id"] for event in page["results"]] == [event["id"] for event in tied[:3]]
            change_upstream(fake, tied[changed]["id"], "updated")

    summary = sync_events(connect(fake), since=None, on_page=on_page)

    assert stored_ids() == sorted(event["id"] for event in events)
    assert Event.objects.get(id=tied[changed]["id"]).name == "Updated during the sync"
    # (The seventh had not been read: it comes once, updated.)
    assert str(summary) == f"{pages} pages: 10 created, {int(changed == 1)} updated, 0 unchanged, 0 pruned"
    dated = [tie_date(2), tie_date(4), tie_date(6)][: pages - 4]
    group = [asked(TIE, TIE_UNTIL, date) for date in [None, *dated]]
    assert pages_asked(fake) == [asked(), asked(TIE), *group, asked(AFTER_TIE)]


def test_a_group_changing_after_every_page_is_read_whole(fake_ll2, connect):
    # Twenty events share TIE, in pages of three; after each page, the first of them still at TIE is
    # updated upstream (to one last_updated, where they form another group). No restart, nothing lost.
    events, _ = with_ties(20)
    fake = fake_ll2(events, page_size=3)

    def on_page(page, summary):
        tied = still_tied(fake)
        if summary.pages >= 2 and tied:
            change_upstream(fake, tied[0], "updated")

    sync_events(connect(fake), since=None, on_page=on_page)

    upstream = {event["id"]: (event["name"], stamp(event["last_updated"])) for event in fake.events}
    assert {event.id: (event.name, event.last_updated) for event in Event.objects.all()} == upstream
    assert sum(name == "Updated during the sync" for name, _ in upstream.values()) > 5


def test_an_event_joining_a_group_behind_its_pages_is_the_next_runs(fake_ll2, connect):
    # An event joins a group upstream only while the group's second is recent (P1): the upstream served
    # the run's first page a minute after TIE. Two join behind the page read (dated before the others):
    # this run does not see them; the checkpoint stays at the moment it began, and the next run reads them.
    events, _ = with_ties(5, before=0, after=1)
    joining = [
        copy.deepcopy(event) | {"last_updated": TIE, "date": f"2029-12-31T0{hour}:00:00Z"}
        for hour, event in enumerate(THIN[6:8])
    ]
    fake = fake_ll2(events, page_size=3)
    fake.served_at = stamp(TIE) + datetime.timedelta(minutes=1)

    def on_page(page, summary):
        if summary.pages == 2:
            fake.events = sorted([*fake.events, *joining], key=sort_key)

    assert str(sync_events(connect(fake), since=None, on_page=on_page)) == (
        "4 pages: 6 created, 0 updated, 0 unchanged, 0 pruned"
    )
    assert pages_asked(fake) == [
        asked(),
        asked(TIE, TIE_UNTIL),
        asked(TIE, TIE_UNTIL, tie_date(2)),
        asked(AFTER_TIE),
    ]
    assert SyncCheckpoint.objects.get().last_updated == fake.served_at - SECOND
    sync_events(connect(fake), since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, *joining])


def test_a_run_cut_short_in_a_group_is_taken_up_at_its_page_keeping_its_start(fake_ll2, connect):
    # Eight events share TIE, in pages of three; the run stops once two of the group's pages are in (at
    # LL2's 15 calls an hour, a group of 1,500 events is an hour of calls: read again whole after each
    # interruption, it might never be passed). The next run reads on from the group's next page.
    events, _ = with_ties(8, before=0, after=1)
    fake = fake_ll2(events, page_size=3)
    fake.served_at = stamp(TIE) + datetime.timedelta(minutes=1)
    pages = []
    with pytest.raises(SyncStopped):
        sync_events(
            connect(fake),
            since="auto",  # a first fill, from the checkpoint there is not yet
            on_page=lambda page, summary: pages.append(page),
            should_stop=lambda: len(pages) == 3,
        )
    checkpoint = SyncCheckpoint.objects.get()
    assert (checkpoint.group_from, checkpoint.group_dated, checkpoint.group_began) == (
        stamp(TIE),
        stamp(tie_date(4)),
        fake.served_at - SECOND,
    )
    output = io.StringIO()
    call_command("sync_ll2", "--status", stdout=output)
    assert (
        f"  in a group:   the events updated at {stamp(TIE)}, read on from date {stamp(tie_date(4))}\n"
        in (output.getvalue())
    )

    # Meanwhile an event joins the group behind the pages read (dated before them), as it can only while
    # TIE is recent (P1), and the upstream's clock moves on an hour.
    joining = copy.deepcopy(THIN[10]) | {"last_updated": TIE, "date": "2029-12-31T00:00:00Z"}
    fake.events = sorted([*fake.events, joining], key=sort_key)
    fake.served_at += datetime.timedelta(hours=1)
    before = len(pages_asked(fake))
    summary = sync_events(connect(fake), since="auto")
    assert pages_asked(fake)[before:] == [
        asked(TIE, TIE_UNTIL, tie_date(4)),
        asked(TIE, TIE_UNTIL, tie_date(6)),
        asked(AFTER_TIE),
    ]
    assert str(summary) == "3 pages: 4 created, 0 updated, 1 unchanged, 0 pruned"
    checkpoint = SyncCheckpoint.objects.get()
    # The checkpoint keeps the first run's start: the next run reads the group's second again, and the event
    # that joined it.
    assert checkpoint.last_updated == stamp(TIE) + datetime.timedelta(minutes=1) - SECOND
    assert (checkpoint.group_from, checkpoint.group_dated, checkpoint.group_began) == (None, None, None)
    assert joining["id"] not in stored_ids()
    sync_events(connect(fake), since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, joining])


def cut_after(fake, connect, pages, since):
    """A run stopped once `pages` pages are in."""
    done = []
    with pytest.raises(SyncStopped):
        sync_events(
            connect(fake),
            since=since,
            on_page=lambda page, summary: done.append(page),
            should_stop=lambda: len(done) == pages,
        )


def test_a_run_cut_short_among_events_sharing_a_date_is_taken_up_without_a_skip(fake_ll2, connect):
    # Nine events share TIE and a date: read by offset, in pages of three. The run stops among them; the
    # next reads that date again from offset 0, and every event is in.
    events, _ = with_ties(9, before=0, after=1, date="2030-01-01T00:00:00Z")
    fake = fake_ll2(events, page_size=3)
    cut_after(fake, connect, 4, since="auto")
    checkpoint = SyncCheckpoint.objects.get()
    assert (checkpoint.group_from, checkpoint.group_dated) == (stamp(TIE), stamp("2030-01-01T00:00:00Z"))
    sync_events(connect(fake), since="auto")
    assert stored_ids() == sorted(event["id"] for event in events)
    assert SyncCheckpoint.objects.get().group_from is None


def test_a_run_given_since_cut_short_in_a_group_is_not_taken_up(fake_ll2, connect):
    # As the README says of a run given --since: the next run from the checkpoint reads from it, not from
    # that run's group (here one long before the checkpoint).
    events, _ = with_ties(8, before=0, after=5)
    fake = fake_ll2(events, page_size=3)
    fake.served_at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    sync_events(connect(fake), since="auto")
    checkpoint = SyncCheckpoint.objects.get().last_updated
    cut_after(fake, connect, 3, since=None)
    assert SyncCheckpoint.objects.get().group_from is None
    before = len(pages_asked(fake))
    sync_events(connect(fake), since="auto")
    # The overlap the README promises, as a number: five minutes.
    assert pages_asked(fake)[before:] == [asked(iso(checkpoint - datetime.timedelta(minutes=5)))]


@pytest.mark.parametrize(
    ("page", "field", "value", "refused"),
    [
        (2, "last_updated", "2024-01-31T23:59:59Z", "a last_updated before last_updated__gte"),
        (2, "last_updated", AFTER_TIE, "a last_updated after last_updated__lte"),
        (3, "date", "2029-01-01T00:00:00Z", "a date before date__gte"),
    ],
)
def test_a_group_page_outside_its_bounds_is_refused(fake_ll2, connect, page, field, value, refused):
    # A page of the group gives its first event another last_updated, or date, than the query allows.
    events, _ = with_ties(5, before=0, after=1)
    fake = fake_ll2(events, page_size=3)
    fake.script(*[None] * (page - 1), ("bad_record", 0, lambda record: record.update({field: value})))
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)
    url = full_url(fake, fake.calls()[-1])
    assert str(stopped.value) == f"{url}: events with {refused} (is the filter ignored?)"
    assert fake.calls()[-1].query.get("ordering") == "date"


@pytest.mark.parametrize("shows", [0, 3])
def test_a_group_stands_for_the_rest_of_its_second(fake_ll2, connect, shows):
    # Three events stored at 12:00:00.0661 to .0663, shown as 12:00:00Z (as LL2 shows stamps) or as
    # 12:00:00.066Z: in pages of two, the first is all at one shown stamp, and the group read from it runs
    # to the end of its second, whatever the upstream shows of the fraction, not to the moment shown.
    events = copy.deepcopy(THIN[:4])
    for number, event in enumerate(events):
        event["last_updated"] = (
            f"2024-06-01T12:00:00.0661{number}0Z" if number < 3 else "2024-06-01T12:00:01Z"
        )
        event["date"] = tie_date(number)
    fake = fake_ll2(events, page_size=2, shows=shows)
    shown = "2024-06-01T12:00:00" + (".066000" if shows else "") + "Z"  # as the sync asks for it

    assert (
        str(sync_events(connect(fake), since=None)) == "4 pages: 4 created, 0 updated, 0 unchanged, 0 pruned"
    )
    until = "2024-06-01T12:00:00.999999Z"
    assert pages_asked(fake) == [
        asked(),
        asked(shown, until),
        asked(shown, until, tie_date(1)),
        asked("2024-06-01T12:00:01Z"),
    ]
    assert stored_ids() == sorted(event["id"] for event in events)
    # The next run, from five minutes before 12:00:01, reads them again the same way.
    summary = sync_events(connect(fake), since="auto")
    assert str(summary) == "4 pages: 0 created, 0 updated, 4 unchanged, 0 pruned"


def test_a_checkpoint_taken_from_this_hosts_clock_falls_on_a_whole_second(fake_ll2, connect):
    # With no Date from the upstream, the moment it served the run's first page is this host's, cut to
    # the second as a Date is: the checkpoint stands there (events are stamped later), and the next run's
    # cursor falls on a stamp that an upstream showing whole seconds shows whole.
    now = timezone.now()
    events = copy.deepcopy(THIN[:3])
    for number, event in enumerate(events):
        event["last_updated"] = iso(now + datetime.timedelta(minutes=number + 1, microseconds=800_000))
    fake = fake_ll2(events, page_size=2, shows=0)
    fake.served_at = False
    sync_events(connect(fake), since=None)
    checkpoint = SyncCheckpoint.objects.get().last_updated
    assert now - datetime.timedelta(seconds=1) < checkpoint <= timezone.now()
    assert checkpoint.microsecond == 0
    # An event stored just after the next run's cursor, with a fraction: shown as its whole second.
    late = copy.deepcopy(THIN[3]) | {
        "last_updated": iso(overlapped(checkpoint) + datetime.timedelta(microseconds=1))
    }
    fake.events = sorted([*fake.events, late], key=sort_key)
    sync_events(connect(fake), since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, late])


def test_an_empty_page_with_more_to_come_is_refused_not_taken_for_the_end(fake_ll2, connect):
    # Outside a group too: a run that stopped there would say it is done, a mirror filled to one page.
    fake = fake_ll2(page_size=3)
    fake.script(None, ("empty",))
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)
    url = page_url(fake, fake.events[2]["last_updated"])
    assert str(stopped.value) == f"{url}: no events, and a next page (is the filter ignored?)"
    assert Event.objects.count() == 3
    assert SyncCheckpoint.objects.get().last_error == str(stopped.value)


def test_an_empty_group_page_with_more_to_come_is_refused(fake_ll2, connect):
    events, _ = with_ties(5, before=0, after=1)
    fake = fake_ll2(events, page_size=3)
    fake.script(None, ("empty",))
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)
    url = page_url(fake, TIE, until=TIE_UNTIL)
    assert str(stopped.value) == f"{url}: no events, and a next page (is the filter ignored?)"
    assert SyncCheckpoint.objects.get().last_updated == stamp(TIE)


def test_ties_in_another_order_on_each_page_are_read_by_date(fake_ll2, connect):
    # 100 events share TIE, in pages of 30, and the upstream gives them in another order for each LIMIT
    # and OFFSET (as PostgreSQL may): read by offset in that order, pages would skip some. By date, none.
    events, _ = with_ties(100)
    fake = fake_ll2(events, page_size=30, tie_order=shuffled_by_page)

    summary = sync_events(connect(fake), since=None)

    assert str(summary) == "7 pages: 103 created, 0 updated, 0 unchanged, 0 pruned"
    assert stored_ids() == sorted(event["id"] for event in events)
    group = [asked(TIE, TIE_UNTIL, date) for date in (None, tie_date(29), tie_date(58), tie_date(87))]
    assert pages_asked(fake) == [asked(), asked(TIE), *group, asked(AFTER_TIE)]


SAME_DATE, AFTER_SAME_DATE = "2030-01-01T00:00:00Z", "2030-01-01T00:00:01Z"
SAME_DATE_UNTIL = "2030-01-01T00:00:00.999999Z"


def test_a_date_shared_in_a_group_by_more_than_a_page_is_read_by_offset_and_again_when_it_changes(
    fake_ll2, connect
):
    # Eight events share TIE and their date, in pages of three: read by offset, overlapping by an event.
    # After the first of those pages, the second event is updated upstream: the next page does not start
    # with the event it should, and they are read again from their start.
    events, tied = with_ties(8, after=1, date=SAME_DATE)
    fake = fake_ll2(events, page_size=3)

    def on_page(page, summary):
        if summary.pages == 4:
            change_upstream(fake, tied[1]["id"], "updated")

    summary = sync_events(connect(fake), since=None, on_page=on_page)

    assert stored_ids() == sorted(event["id"] for event in events)
    assert str(summary) == "10 pages: 10 created, 1 updated, 0 unchanged, 0 pruned"
    shared = [
        asked(TIE, TIE_UNTIL, SAME_DATE, SAME_DATE_UNTIL, offset) for offset in (None, "2", None, "2", "4")
    ]
    assert pages_asked(fake) == [
        asked(),
        asked(TIE),
        asked(TIE, TIE_UNTIL),
        *shared,
        asked(TIE, TIE_UNTIL, AFTER_SAME_DATE),
        asked(AFTER_TIE),
    ]


@pytest.mark.parametrize("shared", ["date", "last_updated"])
def test_a_group_in_the_last_second_of_9999_ends_the_run(fake_ll2, connect, shared):
    # Five events share the last second there is, in their date (read by offset) or their last_updated
    # (the group, read by date), in pages of three: nothing can come after it.
    events, tied = with_ties(5, before=1, after=0, date="9999-12-31T23:59:59Z" if shared == "date" else None)
    if shared == "last_updated":
        for event in tied:
            event["last_updated"] = "9999-12-31T23:59:59Z"
    fake = fake_ll2(events, page_size=3)
    sync_events(connect(fake), since=None)
    assert stored_ids() == sorted(event["id"] for event in events)
    assert SyncCheckpoint.objects.get().last_error == ""


def test_ties_sharing_a_date_in_another_order_on_each_page_stop_the_sync(fake_ll2, connect):
    # Five events share TIE and a date; the page at offset 2 gives the second and fourth in each other's
    # place. It starts with the event it should, yet the fourth is never read: the ids read fall short of
    # the count, and they are read again, until the sync stops rather than skip it.
    events, tied = with_ties(5, before=0, after=0, date=SAME_DATE)
    swapped = [event["id"] for event in tied]
    swapped[1], swapped[3] = swapped[3], swapped[1]
    fake = fake_ll2(events, page_size=3, tie_order=lambda ids, offset, limit: swapped if offset else ids)

    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)

    url = page_url(fake, TIE, offset=2, until=TIE_UNTIL, dated=(SAME_DATE, SAME_DATE_UNTIL))
    assert str(stopped.value) == (
        f"{url}: the events sharing last_updated {TIE} and date {SAME_DATE} were read in 6 rounds of pages "
        "that brought nothing new (do they come in another order from page to page?); stopping rather than "
        "risk skipping one (run the sync again)"
    )
    assert tied[3]["id"] not in stored_ids()
    assert SyncCheckpoint.objects.get().last_updated == stamp(TIE)


def test_ties_in_another_order_are_not_hidden_by_a_read_one_deleted(fake_ll2, connect):
    # Five events share TIE and a date, in pages of three; the page at offset 2 gives the fourth first, and
    # the first (read) is deleted upstream before it: the ids read come to the count without the fourth.
    # Asked about by id, three of those read are there of four: one was skipped. Those events are read
    # again from their start, and the fourth with them, rather than left out for good.
    events, tied = with_ties(5, before=0, after=1, date=SAME_DATE)
    skipped = tied[3]["id"]

    def tie_order(ids, offset, limit):
        return [skipped, *(i for i in ids if i != skipped)] if offset == 2 else ids

    fake = fake_ll2(events, page_size=3, tie_order=tie_order)

    def on_page(page, summary):
        query = fake.calls()[-1].query
        if "date__lte" in query and "offset" not in query and tied[0]["id"] in {e["id"] for e in fake.events}:
            change_upstream(fake, tied[0]["id"], "deleted")

    sync_events(connect(fake), since=None, on_page=on_page)

    assert stored_ids() == sorted(event["id"] for event in events)
    shared = [asked(TIE, TIE_UNTIL, SAME_DATE, SAME_DATE_UNTIL, offset) for offset in (None, "2", None, "2")]
    assert pages_asked(fake) == [
        asked(),
        asked(TIE, TIE_UNTIL),
        *shared,
        asked(TIE, TIE_UNTIL, AFTER_SAME_DATE),
        asked(AFTER_TIE),
    ]
    asked_by_id = [call.query for call in fake.calls() if "id" in call.query]
    assert [query["id"] for query in asked_by_id] == [
        ",".join(str(event["id"]) for event in sorted(read, key=lambda e: e["id"]))
        for read in ([*tied[:3], tied[4]], tied)
    ]
    assert asked_by_id[0] == {
        "mode": "list",
        "limit": "1",
        "last_updated__gte": TIE,
        "last_updated__lte": TIE_UNTIL,
        "date__gte": SAME_DATE,
        "date__lte": SAME_DATE_UNTIL,
        "id": asked_by_id[0]["id"],
    }


def test_events_leaving_a_shared_date_under_its_offsets_never_stop_the_sync(fake_ll2, connect):
    # Twelve events share TIE and a date, in pages of three. After each page at offset 2, the first of them
    # (read) is updated upstream, seven times in all: the page at offset 4 has shifted down by one and does
    # not start with an event of the pages taken, so the page at 2 comes again, taking one event further.
    # No change reads them again from their start, and none counts against the run (the code before read
    # them again from their start after each change, and stopped after the sixth: a review's finding).
    events, tied = with_ties(12, after=1, date=SAME_DATE)
    fake = fake_ll2(events, page_size=3)
    changes = []

    def on_page(page, summary):
        if fake.calls()[-1].query.get("offset") == "2" and len(changes) < 7:
            changes.append(still_tied(fake)[0])
            change_upstream(fake, changes[-1], "updated")

    sync_events(connect(fake), since=None, on_page=on_page)

    assert changes == [event["id"] for event in tied[:7]]
    assert stored_ids() == sorted(event["id"] for event in events)
    assert Event.objects.filter(name="Updated during the sync").count() == 7
    assert shared_offsets(fake, TIE) == ["0", *["2", "4"] * 7, "2"]
    assert SyncCheckpoint.objects.get().last_error == ""


@pytest.mark.parametrize("shifts", [0, 6])
def test_events_leaving_as_their_ids_are_asked_about_never_stop_the_sync(fake_ll2, connect, shifts):
    # Sixteen events share TIE and a date, in pages of three. Just before each question about the ids read,
    # the newest of them leaves: fewer of those read are still there than the last page counted, and they
    # are read again from their start, seven times; then (with shifts) the first leaves after each page at
    # offset 2, as above. Each round counts fewer events than any before: none is fruitless (before, a
    # round made progress only by reading an event unread, and every later change stopped the run: a
    # review's finding).
    events, _ = with_ties(16, after=1, date=SAME_DATE)
    fake = fake_ll2(events, page_size=3)
    changes = []

    def leave(event_id):
        changes.append(event_id)
        change_upstream(fake, event_id, "updated")

    def arriving(query):
        if "id" in query and len(changes) < 7:
            leave(still_tied(fake)[-1])

    def on_page(page, summary):
        if fake.calls()[-1].query.get("offset") == "2" and 7 <= len(changes) < 7 + shifts:
            leave(still_tied(fake)[0])

    fake.arriving = arriving
    sync_events(connect(fake), since=None, on_page=on_page)

    assert len(changes) == 7 + shifts
    assert stored_ids() == sorted(event["id"] for event in events)
    assert Event.objects.filter(name="Updated during the sync").count() == 7 + shifts
    assert SyncCheckpoint.objects.get().last_error == ""


@pytest.mark.parametrize("change", ["updated", "deleted"])
@pytest.mark.parametrize("left", [0, 2])
def test_a_bulk_departure_steps_back_as_far_as_the_count_fell(fake_ll2, connect, change, left):
    # Twenty events share TIE and a date, in pages of three. Just before the page at offset 14, one write
    # takes all but `left` of them out: that page holds none, and the count fell by 18 or 20 since the page
    # before, so the next is at offset 0, not at each offset before it in turn, every one of them empty or
    # read and each a fruitless round (the run stopped after six: a review's finding).
    events, _ = with_ties(20, after=1, date=SAME_DATE)
    fake = fake_ll2(events, page_size=3)

    def arriving(query):
        if query.get("offset") == "14" and query.get("date__lte"):
            for event_id in still_tied(fake)[left:]:
                change_upstream(fake, event_id, change)

    fake.arriving = arriving
    sync_events(connect(fake), since=None)

    assert shared_offsets(fake, TIE) == ["0", "2", "4", "6", "8", "10", "12", "14", "0"]
    stored = dict(Event.objects.values_list("id", "name"))
    assert {event["id"]: event["name"] for event in fake.events}.items() <= stored.items()
    assert SyncCheckpoint.objects.get().last_error == ""


def test_an_upstream_ignoring_offset_for_a_shared_date_is_refused(fake_ll2, connect):
    # Five events share TIE and a date, in pages of three, in another order for each request; the upstream
    # ignores offset on their pages (the first three, and a next page, each time). Once all five have been
    # read, every page starts with one read: without this refusal the offsets grew for ever.
    events, _ = with_ties(5, after=1, date=SAME_DATE)
    order = random.Random(0)
    fake = fake_ll2(events, page_size=3, tie_order=lambda ids, offset, limit: order.sample(ids, len(ids)))
    fake.arriving = lambda query: query.pop("offset", None) if "date__lte" in query else None
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None, should_stop=lambda: len(fake.calls()) > 100)
    assert str(stopped.value).endswith(": events at an offset past their count (is offset ignored?)")


def test_an_event_joining_between_a_pages_count_and_its_events_is_no_ignored_offset(fake_ll2, connect):
    # Six events share TIE and a date, in pages of three. Just before the page at offset 4, two read ones
    # are deleted; between its count (4) and its events, one joins (DRF counts, then slices): the page at
    # offset 4 holds it. An upstream honouring offset can give events at an offset equal to their count
    # (DRF gives none only past it), so that page is one not taken, not a refusal (a review's finding).
    events, tied = with_ties(6, after=1, date=SAME_DATE)
    joiner = copy.deepcopy(THIN[8]) | {"id": 99_000, "last_updated": TIE, "date": SAME_DATE}
    fake = fake_ll2(events, page_size=3)

    def arriving(query):
        if query.get("offset") == "4" and query.get("date__lte"):
            fake.events = [
                event for event in fake.events if event["id"] not in {tied[0]["id"], tied[1]["id"]}
            ]

    def counted(query):
        if query.get("offset") == "4" and joiner not in fake.events:
            fake.events = sorted([*fake.events, joiner], key=sort_key)

    fake.arriving, fake.counted = arriving, counted
    sync_events(connect(fake), since=None)

    assert shared_offsets(fake) == ["0", "2", "4", "2"]
    assert stored_ids() == sorted(event["id"] for event in [*events, joiner])


def test_each_shared_date_has_its_own_count_of_fruitless_rounds(fake_ll2, connect):
    # Two groups of five, each sharing a date, in pages of three. The page at offset 2 of each gives the
    # second and fourth in each other's place its first six times: the fourth unread, the ids read fall
    # short of the count, and the five rounds after the first bring nothing new (the first read them all
    # but the fourth). The seventh time it comes in its place. Ten fruitless rounds in the run, but never
    # more than MAX_FRUITLESS_ROUNDS (5) for one date.
    events, tied = with_ties(10, after=1, date=SAME_DATE)
    later_tie = "2024-02-15T00:00:00Z"
    for event in tied[5:]:
        event["last_updated"] = later_tie
    swaps = {tied[1]["id"]: tied[3]["id"], tied[6]["id"]: tied[8]["id"]}
    swaps |= {second: first for first, second in swaps.items()}
    asked_at_2 = []

    def tie_order(ids, offset, limit):
        if offset:
            asked_at_2.append(offset)
            if len(asked_at_2) % 7:
                return [swaps.get(event_id, event_id) for event_id in ids]
        return ids

    fake = fake_ll2(events, page_size=3, tie_order=tie_order)

    sync_events(connect(fake), since=None)

    assert asked_at_2 == [2] * 14
    assert shared_offsets(fake) == ["0", "2"] * 14
    assert stored_ids() == sorted(event["id"] for event in events)


def test_a_run_from_the_overlap_never_moves_the_checkpoint_back(fake_ll2, connect):
    # The next run starts CHECKPOINT_OVERLAP (5 minutes) before the checkpoint: its first page, of events
    # from inside the overlap, is older than the checkpoint, which stays where it was.
    events = copy.deepcopy(THIN[:4])
    for event, moment in zip(events, ("10:50", "10:57", "10:58", "11:00"), strict=True):
        event["last_updated"] = f"2024-05-01T{moment}:00Z"
    fake = fake_ll2(events, page_size=2)
    sync_events(connect(fake), since=None)
    assert SyncCheckpoint.objects.get().last_updated == stamp("2024-05-01T11:00:00Z")
    seen = []

    def on_page(page, summary):
        seen.append((page["results"][0]["last_updated"], SyncCheckpoint.objects.get().last_updated))

    sync_events(connect(fake), since="auto", on_page=on_page)
    assert seen[0] == ("2024-05-01T10:57:00Z", stamp("2024-05-01T11:00:00Z"))
    assert {checkpoint for _, checkpoint in seen} == {stamp("2024-05-01T11:00:00Z")}


def test_pages_of_one_event_are_refused_for_a_shared_date(fake_ll2, connect):
    # Each page of one event begins a group, read by date; the first two are alone at their date, the
    # third not: it cannot be read by overlapping offsets.
    events, tied = with_ties(2, after=0, date=SAME_DATE)
    fake = fake_ll2(events, page_size=1)
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)
    url = page_url(fake, TIE, until=TIE_UNTIL, dated=(SAME_DATE, SAME_DATE_UNTIL))
    assert str(stopped.value) == f"{url}: pages of one event cannot be read by overlapping offsets"
    assert stored_ids() == sorted([events[0]["id"], tied[0]["id"]])


# --- The rate budget, on a fake clock ----------------------------------------------------------------------


def sync_on_fake_clock(fake_ll2, connect, *, throttle=None, budget, used=0):
    """A full sync of 12 pages (of two thin events each, to be quick: each page after the first starts
    again at the last event of the one before) from a fake allowing 5 calls per 10 s, on a fake clock that
    only the client's sleeps move."""
    clock = FakeClock()
    fake = fake_ll2(THIN[:13], page_size=2, rate=(5, 10), clock=clock, throttle=throttle)
    fake.limiter.spend(used)
    messages = []
    upstream = connect(fake, budget=budget, clock=clock, sleep=clock.sleep, log=messages.append)
    summary = sync_events(upstream, since="auto")
    assert str(summary) == "12 pages: 13 created, 0 updated, 0 unchanged, 0 pruned"
    times = [call.clock - 1000.0 for call in fake.calls()]
    return SimpleNamespace(fake=fake, clock=clock, messages=messages, times=times)


def test_the_fallback_budget_keeps_every_call_within_the_limit(fake_ll2, connect):
    run = sync_on_fake_clock(fake_ll2, connect, budget=Budget(5, 10))
    assert [call.status for call in run.fake.calls()] == [200] * 12
    assert run.times == [0] * 5 + [10] * 5 + [20] * 2
    assert run.clock.sleeps == [10, 10]
    assert run.messages == []  # no /api-throttle/ here: the fallback, silently


def test_without_a_budget_the_fake_limits_for_real(fake_ll2, connect):
    # The control: a client allowed 1000 calls a second is answered 429 and waits the Retry-After.
    run = sync_on_fake_clock(fake_ll2, connect, budget=Budget(1000, 1))
    assert [call.status for call in run.fake.calls()] == [200] * 5 + [429] + [200] * 5 + [429] + [200] * 2
    assert run.times == [0] * 6 + [10] * 6 + [20] * 2
    assert run.clock.sleeps == [10.0, 10.0]


def test_the_api_throttle_budget_takes_precedence_over_the_fallback(fake_ll2, connect):
    # A fallback of one call an hour would take 11 hours here; the upstream's 5 per 10 s takes 20 s.
    # (The next test has a fallback looser than the upstream's budget.)
    throttle = {"your_request_limit": 5, "limit_frequency_secs": 10}
    run = sync_on_fake_clock(fake_ll2, connect, throttle=throttle, budget=Budget(1, 3600))
    assert [call.status for call in run.fake.calls()] == [200] * 12
    assert run.times == [0] * 5 + [10] * 5 + [20] * 2
    assert run.messages == ["upstream budget: 5 calls per 10 s (0 used)"]
    assert len(run.fake.calls("/2.3.0/api-throttle/")) == 1


def test_the_api_throttle_current_use_counts_as_spent(fake_ll2, connect):
    throttle = {"your_request_limit": 5, "limit_frequency_secs": 10}
    run = sync_on_fake_clock(fake_ll2, connect, throttle=throttle, budget=Budget(1000, 1), used=3)
    assert [call.status for call in run.fake.calls()] == [200] * 12
    assert run.times == [0] * 2 + [10] * 5 + [20] * 5
    # The third call would wait for the three stated: the upstream, asked again, says its window is full
    # until t=10. From then on the calls waited for are this client's own, whose times it knows.
    assert run.messages == [
        "upstream budget: 5 calls per 10 s (3 used)",
        "upstream budget: 5 calls per 10 s (5 used)",
    ]


def after_another_clients_calls(fake_ll2, connect, **options):
    """(fake, clock, upstream): a fake allowing 5 calls per 10 s, stated at /api-throttle/, of which another
    client made three at t=0; an Upstream on it from t=9."""
    clock = FakeClock()
    throttle = {"your_request_limit": 5, "limit_frequency_secs": 10}
    fake = fake_ll2(THIN[:5], page_size=2, rate=(5, 10), clock=clock, throttle=throttle)
    fake.limiter.spend(3)
    clock.sleep(9)
    return fake, clock, connect(fake, clock=clock, sleep=clock.sleep, **options)


def test_a_budget_read_again_counts_every_call_stated_as_just_made(fake_ll2, connect):
    # 5 calls per 10 s. Another client's three calls at t=0; this client starts at t=9 (counting them as
    # made then), and another three of the other client's come at t=11, when the budget is read again. The
    # three it states count as made at t=11: two calls then, and the third waits until t=21. Keeping this
    # client's record and adding only the calls beyond it let the third go at t=19, into a 429 (a review's
    # finding); this client's own calls count as just made too, a wait longer than needed, never too short.
    fake, clock, upstream = after_another_clients_calls(fake_ll2, connect)
    clock.sleep(2)
    fake.limiter.spend(3)
    upstream.read_budget()
    for _ in range(3):
        upstream.get_page(upstream.url("events/?mode=list&limit=2"))
    assert clock.sleeps == [9, 2, 10.0]
    assert [call.status for call in fake.calls("/2.3.0/events/")] == [200] * 3


def test_a_call_waiting_for_calls_stated_asks_the_upstream_again(fake_ll2, connect):
    # 5 calls per 10 s. Another client's three calls at t=0; this client starts at t=9, counting them as
    # made then, the latest they can have been. Its third call would wait until t=19 for them; asked again,
    # the upstream says its window is full until t=10, and at t=10 that its oldest calls have left: the
    # third, fourth and fifth calls go then, not an hour (here 10 s) after the reading.
    messages = []
    fake, clock, upstream = after_another_clients_calls(fake_ll2, connect, log=messages.append)
    for _ in range(5):
        upstream.get_page(upstream.url("events/?mode=list&limit=2"))
    assert clock.sleeps == [9, 1.0]
    assert [(call.clock - 1000.0, call.status) for call in fake.calls()] == [(9, 200)] * 2 + [(10, 200)] * 3
    assert messages == [
        "upstream budget: 5 calls per 10 s (3 used)",
        "upstream budget: 5 calls per 10 s (5 used)",
        "upstream budget: 5 calls per 10 s (3 used)",
    ]


def test_an_upstream_not_saying_when_the_next_call_may_be_made_is_not_asked_again(fake_ll2, connect):
    # 2 calls per 10 s, stated without next_use_secs; another client's call at t=0. This client reads the
    # budget at t=0 and calls at t=5; its next call waits for the call stated, until t=10. Asked again, the
    # upstream would say its window is full, and not until when: both calls counted as made at t=5, and a
    # wait until t=15.
    clock = FakeClock()
    throttle = {"your_request_limit": 2, "limit_frequency_secs": 10, "next_use_secs": None}
    fake = fake_ll2(THIN[:5], page_size=2, rate=(2, 10), clock=clock, throttle=throttle)
    fake.limiter.spend(1)
    upstream = connect(fake, clock=clock, sleep=clock.sleep)
    clock.sleep(5)
    for _ in range(2):
        upstream.get_page(upstream.url("events/?mode=list&limit=2"))
    assert clock.sleeps == [5, 5.0]
    assert [call.status for call in fake.calls()] == [200, 200]
    assert len(fake.calls("/2.3.0/api-throttle/")) == 1


def test_a_call_the_upstream_counts_after_the_reading_for_its_retry_costs_a_429_waited_out(fake_ll2, connect):
    # This client's second call gets no answer: held on the way past its timeout, it reaches the upstream,
    # which counts it, only after the client read the budget again (its retry waiting for the three calls
    # stated), so that the reading leaves it out. The retry takes its slot: a 429, which asks for a second,
    # and then a 200 at t=10. (Counting such a call into later readings too would count it twice when the
    # upstream counted it at once, the usual case: a wait up to a window longer than needed.)
    arrived, held, counted = [], threading.Event(), threading.Event()

    def arriving(query):
        arrived.append(query)
        if len(arrived) == 2:
            held.wait(5)

    def log(message):
        if message.endswith("(4 used)"):  # the reading after the timeout, made before the upstream counts it
            held.set()
            counted.wait(5)

    fake, _, upstream = after_another_clients_calls(fake_ll2, connect, log=log)
    admit = fake.limiter.admit

    def admit_held():
        answer = admit()
        if held.is_set():
            counted.set()
        return answer

    fake.arriving, fake.limiter.admit = arriving, admit_held
    for _ in range(2):
        upstream.get_page(upstream.url("events/?mode=list&limit=2"))
    calls = fake.calls()
    assert [(round(call.clock - 1000.0), call.status) for call in calls[:1] + calls[2:]] == [
        (9, 200),
        (9, 429),
        (10, 200),
    ]
    assert counted.is_set()


def test_an_upstream_without_a_limit_is_not_spaced(fake_ll2, connect):
    # This project's own /api-throttle/ to a client it does not limit: nulls. Not the fallback's 1 an hour.
    throttle = {"your_request_limit": None, "limit_frequency_secs": None}
    run = sync_on_fake_clock(fake_ll2, connect, throttle=throttle, budget=Budget(1, 3600))
    assert run.messages[0] == "upstream budget: unlimited"
    assert run.clock.sleeps == [10.0, 10.0]  # only the fake's own 429s, as in the control above


# --- The command: exit statuses and messages ---------------------------------------------------------------


def test_command_syncs_then_resumes(fake_ll2, sync_ll2):
    fake = fake_ll2(SMALL, page_size=10)
    assert sync_ll2("--base-url", fake.base_url, *FAST) == (
        f"{fake.base_url}: 4 pages: 30 created, 0 updated, 0 unchanged, 0 pruned\n"
    )
    assert sync_ll2("--base-url", fake.base_url, *FAST) == (
        f"{fake.base_url}: 1 page: 0 created, 0 updated, 1 unchanged, 0 pruned\n"
    )


def test_command_since_a_date(fake_ll2, sync_ll2):
    fake = fake_ll2(THIN, page_size=10)
    since = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    expected = [event["id"] for event in ORDERED if stamp(event["last_updated"]) >= since]
    assert len(expected) == 13
    output = sync_ll2("--base-url", fake.base_url, "--since", "2026-01-01", *FAST)
    assert output == f"{fake.base_url}: 2 pages: 13 created, 0 updated, 0 unchanged, 0 pruned\n"
    assert stored_ids() == sorted(expected)
    assert fake.calls()[0].query["last_updated__gte"] == "2026-01-01T00:00:00Z"


def test_command_prunes_what_the_upstream_dropped(fake_ll2, sync_ll2):
    fake = fake_ll2(SMALL, page_size=10)
    sync_ll2("--base-url", fake.base_url, *FAST)
    dropped = {fake.events[5]["id"], fake.events[15]["id"]}
    fake.events = [event for event in fake.events if event["id"] not in dropped]
    output = sync_ll2("--base-url", fake.base_url, "--prune", *FAST)
    assert output == f"{fake.base_url}: 1 page: 0 created, 0 updated, 1 unchanged, 2 pruned\n"
    assert stored_ids() == sorted({event["id"] for event in SMALL} - dropped)
    walk = [call for call in fake.calls() if call.query.get("mode") == "list"]
    assert [call.query.get("offset") for call in walk] == [None, "10", "20", None]
    # The two events the walk did not find, asked about again (by LL2's `id` filter) before deleting them.
    assert walk[-1].query["id"] == ",".join(map(str, sorted(dropped)))


def test_command_refuses_to_prune_too_much(fake_ll2, sync_ll2):
    fake = fake_ll2(SMALL, page_size=10)
    sync_ll2("--base-url", fake.base_url, *FAST)
    fake.events = fake.events[4:]
    with pytest.raises(CommandError) as refused:
        sync_ll2("--base-url", fake.base_url, "--prune", *FAST)
    message = "4 of 30 local events are not upstream, more than 10%; not pruning without --force"
    assert (str(refused.value), refused.value.returncode) == (message, 1)
    assert len(stored_ids()) == 30
    output = sync_ll2("--base-url", fake.base_url, "--prune", "--force", *FAST)
    assert output == f"{fake.base_url}: 1 page: 0 created, 0 updated, 1 unchanged, 4 pruned\n"
    assert stored_ids() == sorted(event["id"] for event in SMALL[4:])


def test_prune_asks_again_about_an_event_the_walk_missed(fake_ll2, connect):
    fake = fake_ll2(THIN, page_size=10)
    upstream = connect(fake)
    sync_events(upstream, since=None)
    by_date = sorted(fake.events, key=lambda event: (stamp(event["date"]), event["id"]))
    deleted, shifted = by_date[0]["id"], by_date[10]["id"]
    assert (deleted, shifted) == (101, 118)
    added = copy.deepcopy(by_date[-1]) | {
        "id": 999777,
        "slug": "added-999777",
        "date": "2099-01-01T00:00:00Z",
    }

    def between_pages(page):
        # Once list page 1 is in, one of its events is deleted upstream and one is added: the count holds,
        # and the first event of page 2 moves to page 1, where the walk has been.
        if page["previous"] is None:
            assert deleted in [event["id"] for event in page["results"]]
            fake.events = [event for event in fake.events if event["id"] != deleted] + [added]
            fake.events.sort(key=sort_key)

    found = upstream_event_ids(upstream, on_page=between_pages)

    assert len(found) == 114 and shifted not in found and {deleted, 999777} <= found
    assert prune_events(found, max_fraction=0.1) == 0
    assert shifted in stored_ids()
    asked = fake.calls()[-1]
    assert (asked.query["mode"], asked.query["id"]) == ("list", str(shifted))
    # The next walk finds the deletion, confirmed the same way.
    assert prune_events(upstream_event_ids(upstream), max_fraction=0.1) == 1
    assert deleted not in stored_ids() and len(stored_ids()) == 113


@pytest.mark.parametrize("change", ["added", "moved"])
def test_a_prune_walk_the_upstream_changed_under_still_prunes(fake_ll2, connect, change):
    fake = fake_ll2(THIN, page_size=10)
    upstream = connect(fake)
    sync_events(upstream, since=None)
    by_date = sorted(fake.events, key=lambda event: (stamp(event["date"]), event["id"]))
    dropped, last = by_date[50]["id"], by_date[-1]
    fake.events = [event for event in fake.events if event["id"] != dropped]

    def between_pages(page):
        # After page 1, an event comes upstream before every other (the count grows by one), or the last
        # event moves there (the walk, past that date, never sees it): offsets shift either way.
        if page["previous"] is None:
            moving = last  # the fake's own copy
            if change == "added":
                moving = copy.deepcopy(last) | {"id": 999777, "slug": "added-999777"}
                fake.events.append(moving)
            moving["date"] = "1900-01-01T00:00:00Z"
            fake.events.sort(key=sort_key)

    found = upstream_event_ids(upstream, on_page=between_pages)

    missed = {"added": {dropped}, "moved": {dropped, last["id"]}}[change]
    assert set(stored_ids()) - found == missed
    assert prune_events(found, max_fraction=0.1) == 1
    assert stored_ids() == sorted(event["id"] for event in THIN if event["id"] != dropped)
    asked = fake.calls()[-1]
    assert (asked.query["mode"], asked.query["id"]) == ("list", ",".join(map(str, sorted(missed))))


def test_ids_asked_about_are_asked_again_while_the_answer_is_smaller_than_its_count(fake_ll2, connect):
    # An upstream whose pages hold fewer events than asked for: the ids a page left out are still upstream,
    # not gone (taken for gone, a prune would delete them).
    fake = fake_ll2(THIN, page_size=3)
    ids = sorted(event["id"] for event in THIN[:8])
    assert still_upstream(connect(fake), ids) == set(ids)
    assert [len(call.query["id"].split(",")) for call in fake.calls()] == [8, 5, 2]


def test_a_slug_holder_a_page_deletes_counts_as_pruned_with_the_walk(fake_ll2, sync_ll2):
    fake = fake_ll2(SMALL, page_size=10)
    sync_ll2("--base-url", fake.base_url, *FAST)
    deleted = fake.events[3]
    taker = copy.deepcopy(SMALL[7]) | {
        "id": 99001,
        "slug": deleted["slug"],
        "last_updated": "2030-01-01T00:00:00Z",
    }
    fake.events = sorted([event for event in fake.events if event is not deleted] + [taker], key=sort_key)
    output = sync_ll2("--base-url", fake.base_url, "--prune", *FAST)
    assert output == f"{fake.base_url}: 1 page: 1 created, 0 updated, 1 unchanged, 1 pruned\n"
    assert stored_ids() == sorted(event["id"] for event in fake.events)


def test_the_prune_walk_asks_its_upstream_alone(fake_ll2, connect, monkeypatch):
    # A `next` naming another host (an upstream behind a proxy it does not know of, or a hostile one) would
    # send it the API key: the walk asks for its pages itself.
    fake = fake_ll2(SMALL, page_size=10)
    upstream = connect(fake)
    asked, get_page = [], upstream.get_page

    def page_pointing_elsewhere(url):
        asked.append(url)
        page = get_page(url)
        if page["next"] is not None:
            page["next"] = page["next"].replace("127.0.0.1", "elsewhere.invalid")
        return page

    monkeypatch.setattr(upstream, "get_page", page_pointing_elsewhere)
    assert upstream_event_ids(upstream) == {event["id"] for event in SMALL}
    assert asked == [
        f"{fake.base_url}/events/?mode=list&limit=100" + (f"&offset={offset}" if offset else "")
        for offset in (0, 10, 20)
    ]


def test_the_prune_walk_stops_on_an_upstream_that_ignores_offset(fake_ll2, connect):
    # Its pages would all be the first, each with a next one, for as long as the call budget lasts.
    fake = fake_ll2(SMALL, page_size=10, ignore_query=True)
    with pytest.raises(UpstreamError) as stopped:
        upstream_event_ids(connect(fake))
    url = f"{fake.base_url}/events/?mode=list&limit=100&offset=20"
    assert str(stopped.value) == f"{url}: a next page past the events it counts (is offset ignored?)"
    assert len(fake.calls()) == 3


def test_prune_refuses_an_upstream_that_ignores_the_id_filter(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10)
    upstream = connect(fake)
    sync_events(upstream, since=None)
    fake.events = fake.events[1:]
    found = upstream_event_ids(upstream)
    fake.ignore_query = True
    with pytest.raises(PruneRefused) as refused:
        prune_events(found, max_fraction=0.1)
    url = f"{fake.base_url}/events/?mode=list&limit=100&id={SMALL[0]['id']}"
    assert str(refused.value) == f"{url}: not the events asked for (is the id filter ignored?); not pruning"
    assert len(stored_ids()) == 30


def test_command_unreachable_host_exits_2_with_one_line(sync_ll2):
    url = closed_port_url()
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", url, *FAST)
    assert failed.value.returncode == 2
    assert str(failed.value) == (
        f"{url}/events/?mode=detailed&limit=100&ordering=last_updated: cannot connect "
        "([Errno 111] Connection refused)"
    )


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("yesterday", "--since: expected auto, all or an ISO 8601 date, got 'yesterday'"),
        ("2024-13-01", "--since: expected auto, all or an ISO 8601 date, got '2024-13-01'"),
    ],
)
def test_command_bad_since_exits_2(sync_ll2, since, message):
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", closed_port_url(), "--since", since)
    assert (str(failed.value), failed.value.returncode) == (message, 2)


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("15", "expected CALLS/SECONDS such as 15/3600, got '15'"),
        ("0/10", "expected at least one call per positive number of seconds, got '0/10'"),
    ],
)
def test_command_bad_rate_exits_2(sync_ll2, rate, message):
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", closed_port_url(), "--rate", rate)
    assert (str(failed.value), failed.value.returncode) == (message, 2)


@pytest.mark.parametrize("rate", ["5/nan", "5/inf"])
def test_a_rate_must_be_finite(rate):
    with pytest.raises(ValueError):
        Budget.parse(rate)


def not_ll2(fake_ll2, kind):
    """A server that is not LL2: an HTML page at every path, or a 404 for the events route."""
    fake = fake_ll2()
    if kind == "html":
        fake.always = ("html",)
        return fake, fake.base_url, f"not LL2 JSON (Content-Type {HTML_TYPE})"
    return fake, f"http://127.0.0.1:{fake.port}/not-ll2", "404 Not Found"


@pytest.mark.parametrize("kind", ["html", "404"])
def test_command_names_a_url_that_is_not_ll2(fake_ll2, sync_ll2, kind):
    _, base_url, problem = not_ll2(fake_ll2, kind)
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", base_url, *FAST)
    assert str(failed.value) == f"{base_url}/events/?mode=detailed&limit=100&ordering=last_updated: {problem}"
    assert stored_ids() == []
    assert not SyncCheckpoint.objects.exists()


@pytest.mark.parametrize("kind", ["html", "404"])
def test_command_exits_2_for_a_url_that_is_not_ll2(fake_ll2, sync_ll2, kind):
    _, base_url, _ = not_ll2(fake_ll2, kind)
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", base_url, *FAST)
    assert failed.value.returncode == 2


def test_command_html_after_the_first_page_exits_1_and_status_shows_it(fake_ll2, sync_ll2):
    fake = fake_ll2(THIN)
    fake.script(None)
    fake.always = ("html",)
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", fake.base_url, *FAST)
    message = f"{page_url(fake, SECOND_PAGE_SINCE)}: not LL2 JSON (Content-Type {HTML_TYPE})"
    assert (str(failed.value), failed.value.returncode) == (message, 1)
    assert_stopped_after_first_page(fake, message)
    status = sync_ll2("--status")
    assert status.splitlines()[0] == fake.base_url
    assert status.splitlines()[1] == "  last_updated: 2022-12-14 06:26:02+00:00 (event 165)"
    assert status.splitlines()[3].startswith(f"  last error:   {message} (")


def test_a_first_page_refused_shows_in_the_status(fake_ll2, sync_ll2):
    # An LL2 page arrived (its record failing validation): the upstream is known, and its error shown.
    fake = fake_ll2(THIN)
    fake.script(("bad_record", 0, lambda record: record.update(name=None)))
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", fake.base_url, *FAST)
    status = sync_ll2("--status").splitlines()
    assert status[:3] == [fake.base_url, "  last_updated: - (event -)", "  last success: -"]
    assert status[3].startswith(f"  last error:   {failed.value} (")
    assert not Event.objects.exists()


def test_responses_say_when_and_from_where_the_mirror_synced(fake_ll2, sync_ll2, client, monkeypatch):
    root = "/2.3.0/?format=api"
    assert "X-Mirror-Synced-At" not in client.get("/2.3.0/events/").headers
    assert "has not synced from an upstream" in client.get(root).content.decode()

    fake = fake_ll2(SMALL, page_size=10)
    sync_ll2("--base-url", fake.base_url, *FAST)
    synced = SyncCheckpoint.objects.get().last_success.replace(microsecond=0)
    stamp_text = synced.isoformat().replace("+00:00", "Z")
    for url in ("/2.3.0/events/", "/2.3.0/agencies/?format=json", root, "/2.3.0/events/0/"):
        assert client.get(url).headers["X-Mirror-Synced-At"] == stamp_text, url
    link = f'<a href="{fake.base_url}">{fake.base_url}</a>'
    assert f"Mirrored from {link}, last synced at {stamp_text}." in client.get(root).content.decode()

    # A sync that changes nothing moves the time, not the data version (cached responses stay valid).
    version = DataState.current().version
    later = timezone.now() + datetime.timedelta(minutes=1)  # not within the same second as the first
    monkeypatch.setattr("ingest.sync.timezone.now", lambda: later)
    sync_ll2("--base-url", fake.base_url, *FAST)
    monkeypatch.undo()
    state = DataState.current()
    assert (state.version, state.synced_at) == (version, SyncCheckpoint.objects.get().last_success)
    assert state.synced_at > synced
    # The root's help text shows the time: its responses follow it.
    again = state.synced_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    assert f"Mirrored from {link}, last synced at {again}." in client.get(root).content.decode()


def test_the_roots_page_shows_the_upstreams_url_as_text(client):
    # The URL is the operator's --base-url: text in the page, whatever it holds.
    DataState.synced("https://ll.example.org/2.3.0?q=<img src=x onerror=alert(1)>", timezone.now())
    page = client.get("/2.3.0/?format=api").content.decode()
    assert "<img src=x" not in page
    url = "https://ll.example.org/2.3.0?q=&lt;img src=x onerror=alert(1)&gt;"
    assert f'Mirrored from <a href="{url}">{url}</a>, last synced at' in page


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--timeout", "-1"], "--timeout: expected a positive number of seconds, got -1"),
        (["--timeout", "nan"], "--timeout: expected a positive number of seconds, got nan"),
        (["--retry-base", "-0.5"], "--retry-base: expected a number of seconds at least 0, got -0.5"),
        (["--watch", "0"], "--watch: expected a positive number of seconds, got 0"),
        (["--retries", "0"], "--retries: expected a number of attempts at least 1, got 0"),
        (["--retries", "-1"], "--retries: expected a number of attempts at least 1, got -1"),
    ],
)
def test_command_bad_numbers_exit_2(sync_ll2, arguments, message):
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", closed_port_url(), *arguments)
    assert (str(failed.value), failed.value.returncode) == (message, 2)


def test_command_malformed_base_url_exits_2_with_one_line(sync_ll2):
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", "http://[::1", *FAST)
    assert failed.value.returncode == 2
    assert "\n" not in str(failed.value) and "http://[::1" in str(failed.value)


@pytest.mark.parametrize(
    ("contents", "reason"),
    [(None, "No such file or directory"), ("no certificate here\n", "no certificate or crl found")],
    ids=["missing", "no-certificate"],
)
def test_certificates_that_cannot_be_loaded_exit_2_naming_the_variable(
    sync_ll2, monkeypatch, tmp_path, contents, reason
):
    path = tmp_path / "ca.pem"
    if contents is not None:
        path.write_text(contents)
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    tls_context.cache_clear()  # made with the process's own certificates, by a test before
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", closed_port_url(), *FAST)
    assert failed.value.returncode == 2
    assert str(failed.value).startswith(f"SSL_CERT_FILE {path}: its certificates cannot be loaded (")
    assert reason in str(failed.value) and "\n" not in str(failed.value)


def synced_in_passes(*steps):
    """A stand-in for the service's sync_events, a step a pass: None syncs, an exception is raised, "stop"
    sends SIGTERM, then syncs (the service stops once the pass is done)."""
    real_sync, steps = service.sync_events, iter(steps)

    def sync_of_the_pass(*args, **kwargs):
        step = next(steps)
        if isinstance(step, Exception):
            raise step
        if step == "stop":
            os.kill(os.getpid(), signal.SIGTERM)
        return real_sync(*args, **kwargs)

    return sync_of_the_pass


@pytest.mark.django_db(transaction=True)  # the service closes its connection
def test_watch_outlives_a_database_gone_and_takes_the_sync_lock_again(fake_ll2, sync_ll2, monkeypatch):
    """A service: a poll that finds the database gone (a restart, a failover; SQLite's lock held past its
    timeout) is logged, and the next connects again and takes the sync lock again (PostgreSQL's goes with
    its session), waiting out a sync that took it meanwhile."""
    fake = fake_ll2(SMALL, page_size=10)
    locks = []
    real_lock = service.exclusive_sync

    @contextlib.contextmanager
    def lock_another_takes_once():
        locks.append("asked")
        if len(locks) == 2:
            raise SyncBusy("another sync_ll2 is running on this database")
        with real_lock():
            yield

    # The first pass, a poll whose database is gone, and a poll during which SIGTERM comes.
    gone = OperationalError("server closed the connection unexpectedly")
    monkeypatch.setattr(service, "exclusive_sync", lock_another_takes_once)
    monkeypatch.setattr(service, "sync_events", synced_in_passes(None, gone, "stop"))
    with sync_log() as logged:
        call_command("sync_ll2", "--base-url", fake.base_url, "--watch", "0.05", *FAST)
    lines = logged.getvalue().splitlines()
    assert [line for line in lines if "trying again" in line] == [
        "database error: server closed the connection unexpectedly; trying again in 0.05 s",
        "another sync_ll2 is running on this database; trying again in 0.05 s",
    ]
    assert (len(locks), lines[-1]) == (3, "stopped")
    assert Event.objects.count() == len(SMALL)


@pytest.mark.django_db(transaction=True)  # the service closes its connection
def test_watch_polls_once_its_wait_after_a_fault_is_over(fake_ll2, monkeypatch):
    """ "trying again in N s" is when the next poll comes: one wait of --watch after a fault, not two."""
    happened = []

    class Stopping(threading.Event):
        def wait(self, timeout=None):
            happened.append("wait")
            return super().wait(timeout)

    passes = synced_in_passes(None, OperationalError("server closed the connection unexpectedly"), "stop")

    def sync_of_the_pass(*args, **kwargs):
        happened.append("pass")
        return passes(*args, **kwargs)

    monkeypatch.setattr(sync_command, "threading", SimpleNamespace(Event=Stopping, TIMEOUT_MAX=1e9))
    monkeypatch.setattr(service, "sync_events", sync_of_the_pass)
    call_command("sync_ll2", "--base-url", fake_ll2(SMALL).base_url, "--watch", "0.05", *FAST)
    # The first pass; a poll the database fails; the poll after one wait, which SIGTERM stops.
    assert happened == ["pass", "wait", "pass", "wait", "pass"]


@pytest.mark.django_db(transaction=True)  # the service closes its connection
def test_watch_outlives_a_deadlock(fake_ll2, monkeypatch):
    """PostgreSQL cancelled a poll's transaction as one of two waiting for each other (a script or a
    migration locking rows its page writes): the page was rolled back whole, and the next poll reads it."""
    deadlock = OperationalError("deadlock detected\nDETAIL:  Process 1 waits for ShareLock on transaction 2")
    deadlock.__cause__ = type("DeadlockDetected", (Exception,), {"sqlstate": "40P01"})()  # as psycopg's
    monkeypatch.setattr(service, "sync_events", synced_in_passes(None, deadlock, "stop"))
    with sync_log() as logged:
        call_command("sync_ll2", "--base-url", fake_ll2(SMALL).base_url, "--watch", "0.05", *FAST)
    lines = logged.getvalue().splitlines()
    assert [line for line in lines if "trying again" in line] == [
        "database error: deadlock detected; trying again in 0.05 s"
    ]
    assert (lines[-1], Event.objects.count()) == ("stopped", len(SMALL))


def test_watch_stops_at_data_the_database_refuses(fake_ll2, monkeypatch):
    # Not the database gone: every poll would meet it again, as a record that fails validation.
    refused = OperationalError("index row size 6120 exceeds btree version 4 maximum 2704\nDETAIL:  Values...")
    refused.__cause__ = type("ProgramLimitExceeded", (Exception,), {"sqlstate": "54000"})()  # as psycopg's
    monkeypatch.setattr(service, "sync_events", synced_in_passes(None, refused))
    with pytest.raises(CommandError) as stopped:
        call_command("sync_ll2", "--base-url", fake_ll2(SMALL).base_url, "--watch", "0.05", *FAST)
    message = "database error: index row size 6120 exceeds btree version 4 maximum 2704"
    assert (str(stopped.value), stopped.value.returncode) == (message, 1)


def test_a_stop_asked_for_before_a_call_sends_none(fake_ll2):
    # SIGTERM after sync_events looked, with no wait for the budget due: no call, none of the budget spent.
    fake = fake_ll2()
    stop = threading.Event()
    upstream = Upstream(fake.base_url, fallback_budget=Budget(1000, 1), stopped=stop.is_set)
    stop.set()
    try:
        with pytest.raises(SyncStopped):
            upstream.get_page(page_url(fake))
    finally:
        upstream.close()
    assert (fake.calls(), list(upstream.budget.made)) == ([], [])


@pytest.mark.parametrize(
    ("raised", "message", "status"),
    [
        (OperationalError("no such table: ingest_synccheckpoint"), "database error: no such table", 1),
        (KeyboardInterrupt(), "interrupted: the pages imported before are whole", 130),
    ],
)
def test_a_run_ended_by_the_database_or_ctrl_c_says_so_in_a_line(
    fake_ll2, monkeypatch, raised, message, status
):
    def raising(*args, **kwargs):
        raise raised

    monkeypatch.setattr(service, "sync_events", raising)
    with pytest.raises(CommandError) as ended:
        call_command("sync_ll2", "--base-url", fake_ll2().base_url, *FAST)
    assert str(ended.value).startswith(message)
    assert ended.value.returncode == status


def test_status_of_a_database_not_migrated_says_so_in_a_line(monkeypatch):
    def not_migrated():
        raise OperationalError("no such table: ingest_synccheckpoint")

    monkeypatch.setattr(sync_command.SyncCheckpoint.objects, "all", not_migrated)
    with pytest.raises(CommandError) as ended:
        call_command("sync_ll2", "--status")
    assert (str(ended.value), ended.value.returncode) == (
        "database error: no such table: ingest_synccheckpoint",
        1,
    )


def test_watch_keeps_to_the_budget_the_upstream_states_at_each_poll(fake_ll2):
    """A service reads /api-throttle/ again before each poll: the limit can change while it runs (a key's
    tier), and the calls counted against it include other clients' sharing it."""
    fake = fake_ll2(SMALL, page_size=10, rate=(50, 3600), throttle={"your_request_limit": 40})
    fake.throttle["limit_frequency_secs"] = 3600

    def raised():  # during the first pass: another client's three calls, and a key allowing more
        fake.limiter.spend(3)
        fake.throttle["your_request_limit"] = 45

    # The first pass is four pages; the poll's first call ends the service.
    stop = ("call", lambda: os.kill(os.getpid(), signal.SIGTERM))
    fake.script(None, ("call", raised), None, None, stop)
    with sync_log() as logged:
        call_command("sync_ll2", "--base-url", fake.base_url, "--watch", "0.05", *FAST)
    budgets = [line for line in logged.getvalue().splitlines() if line.startswith("upstream budget")]
    assert budgets == [
        "upstream budget: 40 calls per 3600 s (0 used)",
        "upstream budget: 45 calls per 3600 s (7 used)",  # its own four calls, and the three others
    ]
    assert len(fake.calls("/2.3.0/api-throttle/")) == 2


def test_watch_outlives_an_upstream_down_past_its_retries(fake_ll2, sync_ll2):
    """A service: the poll that finds the upstream down (past the retries) is logged, the next one syncs."""
    fake = fake_ll2(SMALL, page_size=10)
    sync_ll2("--base-url", fake.base_url, *FAST)
    before = len(fake.calls())
    # A pass, a poll that gives up, and a poll during whose request SIGTERM comes: it ends the service, the
    # answer left unread (a thread sending it once the request was in could be late, under load, by more
    # than the poll and the wait after it: a fourth poll would then begin).
    stop = ("call", lambda: os.kill(os.getpid(), signal.SIGTERM))
    fake.script(None, ("status", 503), ("status", 503), stop)
    stdout = io.StringIO()
    with sync_log() as logged:
        call_command("sync_ll2", "--base-url", fake.base_url, "--watch", "0.05", *FAST, stdout=stdout)
    assert len(fake.calls()) == before + 4
    # A service: each pass's report is a line of its log, as the rest are.
    assert stdout.getvalue() == ""
    unchanged = f"{fake.base_url}: 1 page: 0 created, 0 updated, 1 unchanged, 0 pruned"
    lines = logged.getvalue().splitlines()
    assert (lines.count(unchanged), lines[-1]) == (1, "stopped")
    assert "503 Service Unavailable (gave up after 2 attempts); trying again in 0.05 s" in logged.getvalue()
