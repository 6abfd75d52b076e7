"""sync_ll2 given odd input, by an upstream (headers, /api-throttle/, counts, stamps) or on the command line:
each is used sensibly, or refused with a one-line error, never a traceback.

The upstream is tests/fake_upstream.py serving thin fixture events (no to-many relations).
"""

import base64
import copy
import datetime
import importlib
import math
import os
import random
import signal
import sys
import threading

import httpx
import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command

from events.models import Event
from ingest.management.commands.sync_ll2 import budget_eta
from ingest.models import SyncCheckpoint
from ingest.upstream import Budget, Retry, Upstream, answered_at, retry_after
from spacedevs.models import DataState

from .fake_upstream import FakeClock, sort_key, stamp
from .sync_fixtures import FAST, THIN, closed_port_url, sync_log

pytestmark = pytest.mark.django_db

EVENTS = THIN[:15]
HUGE_OFFSET = "Sat, 01 Jan 2000 00:00:00 +99999999999999999999"
THROTTLE_IGNORED = "upstream budget: ignoring /api-throttle/, which states no usable limit"


def serve_date(fake, text, monkeypatch):
    """Make every answer of `fake` carry `Date: text`."""
    monkeypatch.setattr(
        fake.server.RequestHandlerClass, "date_time_string", lambda self, timestamp=None: text
    )


def checkpoint_moment():
    return SyncCheckpoint.objects.get().last_updated


# --- Dates an upstream gives --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "moment"),
    [
        ("Sat, 01 Jan 2000 00:00:00 GMT", datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)),
        ("Sat, 01 Jan 2000 00:00:00 -0000", None),  # RFC 5322: no time zone information
        ("Sat, 01 Jan 2000 00:00:00", None),
        (HUGE_OFFSET, None),
    ],
)
def test_a_date_is_a_time_only_in_a_time_zone(date, moment):
    assert answered_at(httpx.Response(200, headers={"Date": date})) == moment


@pytest.mark.parametrize(
    "date", ["Sat, 01 Jan 2000 00:00:00 -0000", "Sat, 01 Jan 2000 00:00:00", HUGE_OFFSET]
)
def test_a_date_in_no_time_zone_leaves_the_checkpoint_to_the_host_clock(
    fake_ll2, sync_ll2, monkeypatch, date
):
    fake = fake_ll2(EVENTS[:5])
    serve_date(fake, date, monkeypatch)
    assert sync_ll2("--base-url", fake.base_url, *FAST) == (
        f"{fake.base_url}: 1 page: 5 created, 0 updated, 0 unchanged, 0 pruned\n"
    )
    # The host's clock (now) is later than the newest event: the checkpoint is that event's time.
    assert checkpoint_moment() == stamp(EVENTS[4]["last_updated"])


def test_a_date_in_a_time_zone_still_bounds_the_checkpoint(fake_ll2, sync_ll2, monkeypatch):
    fake = fake_ll2(EVENTS[:5])
    serve_date(fake, "Sat, 01 Jan 2000 00:00:00 GMT", monkeypatch)
    sync_ll2("--base-url", fake.base_url, *FAST)
    # Less the call's fraction of a second, cut to the second.
    assert checkpoint_moment() == datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("headers", "body", "wait"),
    [
        ({"Retry-After": HUGE_OFFSET}, {"next_use_secs": 7}, 7.0),  # the unreadable header, as if absent
        ({}, {"next_use_secs": 10**400}, None),  # past any float: no number of seconds
        ({}, {"detail": "Request was throttled. Expected available in 1 second."}, 1.0),
        ({}, {"detail": "Expected available in 5 seconds.", "next_use_secs": 7}, 7.0),
        ({}, {"detail": "Expected available in 5 seconds.", "next_use_secs": None}, 5.0),
        ({}, {"detail": "Request was throttled. Expected available in soon seconds."}, None),
        ({}, {"detail": ["Expected available in 5 seconds."]}, None),
        ({}, ["Expected available in 5 seconds."], None),
    ],
)
def test_a_wait_is_read_from_the_header_else_the_body_and_an_unreadable_one_is_none(headers, body, wait):
    response = httpx.Response(429, headers=headers, json=body)
    assert retry_after(response, response.content) == wait


def test_a_429_with_an_unreadable_retry_after_is_retried_with_backoff(fake_ll2, sync_ll2):
    fake = fake_ll2(EVENTS[:5])
    fake.script(("status", 429, {"Retry-After": HUGE_OFFSET}))
    output, log = sync_ll2("--base-url", fake.base_url, *FAST, log=True)
    assert output == f"{fake.base_url}: 1 page: 5 created, 0 updated, 0 unchanged, 0 pruned\n"
    assert [call.status for call in fake.calls()] == [429, 200]
    url = f"{fake.base_url}/events/?mode=detailed&limit=100&ordering=last_updated"
    assert log.splitlines() == [
        f"{url}: 429 Too Many Requests; retrying in 0.0 s",
        "page 1: 5 of 5 events left",
    ]


@pytest.mark.parametrize(
    ("content_type", "synced"),
    [
        ("Application/JSON; charset=UTF-8", True),  # a media type is the same in any case
        ("application/json", True),
        ("application/jsonp", False),
        ("application/json-seq", False),
    ],
)
def test_a_page_is_json_by_its_media_type(fake_ll2, sync_ll2, content_type, synced):
    fake = fake_ll2(EVENTS[:5])
    fake.script(("content_type", content_type))
    if synced:
        assert sync_ll2("--base-url", fake.base_url, *FAST) == (
            f"{fake.base_url}: 1 page: 5 created, 0 updated, 0 unchanged, 0 pruned\n"
        )
        return
    with pytest.raises(CommandError) as stopped:
        sync_ll2("--base-url", fake.base_url, *FAST)
    assert str(stopped.value).endswith(f": not LL2 JSON (Content-Type {content_type})")
    assert Event.objects.count() == 0


def test_a_page_with_numbers_that_are_not_json_is_refused(fake_ll2, sync_ll2):
    fake = fake_ll2(EVENTS[:5])
    fake.always = ("bad_record", 0, lambda record: record.update(name=float("nan")))
    with pytest.raises(CommandError) as stopped:
        sync_ll2("--base-url", fake.base_url, *FAST)
    url = f"{fake.base_url}/events/?mode=detailed&limit=100&ordering=last_updated"
    refused = "truncated or malformed JSON (NaN is not JSON) (gave up after 2 attempts)"
    assert str(stopped.value) == f"{url}: {refused}"
    assert Event.objects.count() == 0


# --- /api-throttle/ -----------------------------------------------------------------------------------------


def read_budget(fake):
    clock, messages = FakeClock(), []
    upstream = Upstream(fake.base_url, fallback_budget=Budget(7, 60), clock=clock, log=messages.append)
    upstream.close()
    return upstream.budget, clock, messages


@pytest.mark.parametrize(
    "throttle",
    [
        {"your_request_limit": math.inf, "limit_frequency_secs": 3600},
        {"your_request_limit": 15, "limit_frequency_secs": 3600, "current_use": math.inf},
        {"your_request_limit": 15, "limit_frequency_secs": 10**400},  # past any float
    ],
)
def test_a_throttle_stating_no_finite_limit_is_ignored(fake_ll2, throttle):
    budget, _, messages = read_budget(fake_ll2(throttle=throttle))
    assert (budget.calls, budget.seconds) == (7, 60)
    assert messages == [THROTTLE_IGNORED]


def test_a_throttle_answered_as_the_schemas_array_of_one_is_read(fake_ll2):
    throttle = {"your_request_limit": 15, "limit_frequency_secs": 3600, "current_use": 4}
    budget, _, messages = read_budget(fake_ll2(throttle=throttle, throttle_array=True))
    assert (budget.calls, budget.seconds, messages) == (
        15,
        3600,
        ["upstream budget: 15 calls per 3600 s (4 used)"],
    )


@pytest.mark.parametrize(("next_use_secs", "first_wait"), [(None, 3600.0), ("soon", 3600.0), (1800, 1800.0)])
def test_a_throttle_counting_more_calls_than_memory_holds_is_waited_out(fake_ll2, next_use_secs, first_wait):
    # Its window full: the oldest call leaves it when next_use_secs says (else in a whole window); the
    # others' times unknown, they count as just made.
    throttle = {"your_request_limit": 10**13, "limit_frequency_secs": 3600, "current_use": 10**13}
    throttle["next_use_secs"] = next_use_secs
    budget, clock, messages = read_budget(fake_ll2(throttle=throttle))
    assert messages == ["upstream budget: 10000000000000 calls per 3600 s (10000000000000 used)"]
    assert budget.delay(clock()) == first_wait
    budget.spend(clock() + first_wait)
    assert budget.delay(clock() + first_wait) == 3600.0 - first_wait
    assert budget.delay(clock() + 3600) == 0.0


def test_a_throttle_stating_no_finite_limit_falls_back_to_the_rate(fake_ll2, sync_ll2):
    fake = fake_ll2(EVENTS[:3], throttle={"your_request_limit": math.inf, "limit_frequency_secs": 3600})
    output, log = sync_ll2("--base-url", fake.base_url, *FAST, log=True)
    assert output == f"{fake.base_url}: 1 page: 3 created, 0 updated, 0 unchanged, 0 pruned\n"
    assert log.splitlines()[0] == THROTTLE_IGNORED


# --- Counts and stamps an upstream gives --------------------------------------------------------------------


def test_a_year_one_checkpoint_is_overlapped_back_to_the_earliest_time(fake_ll2, sync_ll2):
    events = copy.deepcopy(EVENTS[:3])
    for minute, event in enumerate(events):
        event["last_updated"] = f"0001-01-01T00:0{minute}:00Z"
    fake = fake_ll2(events)
    sync_ll2("--base-url", fake.base_url, *FAST)
    assert checkpoint_moment() == datetime.datetime(1, 1, 1, 0, 2, tzinfo=datetime.UTC)

    assert sync_ll2("--base-url", fake.base_url, *FAST) == (
        f"{fake.base_url}: 1 page: 0 created, 0 updated, 3 unchanged, 0 pruned\n"
    )
    assert fake.calls()[-1].query["last_updated__gte"] == "0001-01-01T00:00:00Z"
    assert checkpoint_moment() == datetime.datetime(1, 1, 1, 0, 2, tzinfo=datetime.UTC)


def test_a_count_too_large_for_an_eta_gets_none(fake_ll2, sync_ll2, monkeypatch):
    fake = fake_ll2(EVENTS[:3])
    page = fake._page
    monkeypatch.setattr(fake, "_page", lambda query: page(query) | {"count": 10**16})
    output, log = sync_ll2("--base-url", fake.base_url, *FAST[2:], "--rate", "15/3600", log=True)
    assert output == f"{fake.base_url}: 1 page: 3 created, 0 updated, 0 unchanged, 0 pruned\n"
    assert log == f"page 1: 3 of {10**16} events left\n"


def test_a_sync_with_stderr_closed_syncs_without_progress(fake_ll2, sync_ll2, monkeypatch):
    # `sync_ll2 … 2>&-`: Python's sys.stderr is None.
    fake = fake_ll2(EVENTS[:3])
    monkeypatch.setattr(sys, "stderr", None)
    assert sync_ll2("--base-url", fake.base_url, *FAST, progress=True) == (
        f"{fake.base_url}: 1 page: 3 created, 0 updated, 0 unchanged, 0 pruned\n"
    )


def test_the_budget_eta():
    assert budget_eta(250, Budget(15, 3600)) == datetime.timedelta(minutes=8)  # 2 pages after the first
    assert budget_eta(10**16, Budget(15, 3600)) is None
    assert budget_eta(10**400, Budget(15, 3600)) is None


# --- The command line ---------------------------------------------------------------------------------------


def long_url(fake, length):
    """`fake`'s URL at `length` characters: a detour that its path drops."""
    detour = "/" + "x" * (length - len(fake.base_url) - len("//..")) + "/.."
    url = fake.base_url.replace("/2.3.0", detour + "/2.3.0")
    assert len(url) == length
    return url


def test_a_base_url_longer_than_its_field_exits_2(fake_ll2, sync_ll2):
    fake = fake_ll2(EVENTS[:3])
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", long_url(fake, 501), *FAST)
    message = "--base-url: expected at most 500 characters, got 501"
    assert (str(failed.value), failed.value.returncode) == (message, 2)
    assert (fake.calls(), Event.objects.count(), SyncCheckpoint.objects.count()) == ([], 0, 0)


def test_a_password_in_the_base_url_is_sent_and_never_shown(fake_ll2, sync_ll2, client):
    fake = fake_ll2(EVENTS[:3])
    # Its own length past the field's: only the URL as stored counts.
    password = "Pa55/word" + "x" * 500
    url = fake.base_url.replace("http://", f"http://mirror:{password.replace('/', '%2F')}@")
    output, log = sync_ll2("--base-url", url, *FAST, log=True)
    sent = "Basic " + base64.b64encode(f"mirror:{password}".encode()).decode()
    assert {call.authorization for call in fake.requests} == {sent}
    assert output == f"{fake.base_url}: 1 page: 3 created, 0 updated, 0 unchanged, 0 pruned\n"
    assert "Pa55" not in log
    assert SyncCheckpoint.objects.get().upstream == DataState.current().synced_from == fake.base_url
    assert "Pa55" not in client.get("/2.3.0/", HTTP_ACCEPT="text/html").content.decode()


@pytest.mark.parametrize(
    "userinfo",
    [
        "mirror:ab/cdSECRET",
        "mirror:ab?cdSECRET",
        "mirror:ab#cdSECRET",
        "mirror:SECRET@[::1",
        "mirror:ab@cdSECRET",  # taken at the last @, the password ran on to it
        "mirror:SE\tCRET",
    ],
)
def test_a_user_and_password_not_percent_encoded_exit_2_unrepeated(fake_ll2, sync_ll2, userinfo):
    fake = fake_ll2(EVENTS[:3])
    url = fake.base_url.replace("http://", f"http://{userinfo}@")
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", url, *FAST)
    assert failed.value.returncode == 2
    assert "SECRET" not in str(failed.value) and "must be percent-encoded" in str(failed.value)
    assert fake.calls() == []


def test_a_user_and_password_and_a_token_exit_2(fake_ll2, sync_ll2, monkeypatch):
    fake = fake_ll2(EVENTS[:3])
    monkeypatch.setenv("LL2_API_TOKEN", "a-key")
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", fake.base_url.replace("http://", "http://mirror:pw@"), *FAST)
    message = "--base-url's user and password, or --token (LL2_API_TOKEN): not both"
    assert (str(failed.value), failed.value.returncode, fake.calls()) == (message, 2, [])


@pytest.mark.parametrize("given", ["a-key\n", " a-key\r\n", "\ta-key "])
def test_a_token_is_sent_without_the_white_space_around_it(fake_ll2, sync_ll2, monkeypatch, given):
    fake = fake_ll2(EVENTS[:3])
    monkeypatch.setenv("LL2_API_TOKEN", given)  # read from a file, or from a .env written on Windows
    sync_ll2("--base-url", fake.base_url, *FAST)
    assert {call.authorization for call in fake.requests} == {"Token a-key"}


@pytest.mark.parametrize("given", ["", " \n"])
def test_an_empty_token_is_none(fake_ll2, sync_ll2, monkeypatch, given):
    fake = fake_ll2(EVENTS[:3])
    monkeypatch.setenv("LL2_API_TOKEN", given)  # the Compose file's, when no key is set
    sync_ll2("--base-url", fake.base_url, *FAST)
    assert {call.authorization for call in fake.requests} == {None}


@pytest.mark.parametrize("given", ["a SECRET", "SECRET\nkey", "SECRÉT", "SECRET=key", "SECRET\x00"])
def test_a_token_no_authorization_header_may_hold_exits_2_unrepeated(fake_ll2, sync_ll2, given):
    fake = fake_ll2(EVENTS[:3])
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", fake.base_url, "--token", given, *FAST)
    assert failed.value.returncode == 2
    assert "SECRET" not in str(failed.value) and "(not shown: it is a secret)" in str(failed.value)
    assert fake.calls() == []


def test_the_url_stored_is_the_one_given_less_its_user_and_password(fake_ll2, sync_ll2):
    fake = fake_ll2(EVENTS[:3])
    given = fake.base_url.replace("http://", "HTTP://")  # as written, the scheme's case too
    sync_ll2("--base-url", given.replace("//", "//mirror:pw@"), *FAST)
    sync_ll2("--base-url", given, "--token", "a-key", *FAST)  # the same upstream, resumed
    assert list(SyncCheckpoint.objects.values_list("upstream", flat=True)) == [given]
    # A bare @ names no user: the token goes, alone.
    sync_ll2("--base-url", given.replace("//", "//@"), "--token", "a-key", *FAST)
    assert fake.requests[-1].authorization == "Token a-key"
    assert SyncCheckpoint.objects.get().upstream == given


def test_the_migration_takes_the_passwords_out_of_what_was_stored():
    migration = importlib.import_module("ingest.migrations.0002_upstreams_without_credentials")
    at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    SyncCheckpoint.objects.bulk_create(
        [
            # Synced with a password, then without it once upgraded: the same upstream, the newer kept.
            SyncCheckpoint(upstream="http://mirror:pw@a.example/2.3.0", last_id=1, last_success=at),
            SyncCheckpoint(
                upstream="http://a.example/2.3.0", last_id=2, last_success=at + datetime.timedelta(1)
            ),
            # Never resynced: renamed, and the URL its last error named too.
            SyncCheckpoint(
                upstream="HTTP://mirror:pw@b.example/2.3.0",
                last_id=3,
                last_success=at,
                last_error="HTTP://mirror:pw@b.example/2.3.0/events/?limit=100: 503 Service Unavailable",
            ),
            SyncCheckpoint(upstream="http://c.example/2.3.0/@", last_id=4),  # no user: as it was
        ]
    )
    DataState.synced("https://mirror:pw@a.example/2.3.0", at)
    migration.forwards(django_apps, None)
    assert sorted(SyncCheckpoint.objects.values_list("upstream", "last_id", "last_error")) == [
        ("HTTP://b.example/2.3.0", 3, "HTTP://b.example/2.3.0/events/?limit=100: 503 Service Unavailable"),
        ("http://a.example/2.3.0", 2, ""),
        ("http://c.example/2.3.0/@", 4, ""),
    ]
    assert DataState.current().synced_from == "https://a.example/2.3.0"


def test_a_base_url_as_long_as_its_field_is_stored(fake_ll2, sync_ll2):
    fake = fake_ll2(EVENTS[:3])
    url = long_url(fake, 500)
    sync_ll2("--base-url", url, *FAST)
    assert SyncCheckpoint.objects.get().upstream == url
    assert DataState.current().synced_from == url


@pytest.mark.parametrize("fraction", ["nan", "inf", "-inf", "-0.1", "1.5"])
def test_a_prune_fraction_outside_0_to_1_exits_2(sync_ll2, fraction):
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", closed_port_url(), "--prune", f"--max-prune-fraction={fraction}")
    message = f"--max-prune-fraction: expected a number from 0 to 1, got {float(fraction):g}"
    assert (str(failed.value), failed.value.returncode) == (message, 2)


def test_a_nan_prune_fraction_deletes_nothing_and_1_allows_all(fake_ll2, sync_ll2):
    fake = fake_ll2(EVENTS[:10])
    sync_ll2("--base-url", fake.base_url, *FAST)
    fake.events = []
    with pytest.raises(CommandError):
        sync_ll2("--base-url", fake.base_url, *FAST, "--prune", "--max-prune-fraction", "nan")
    assert Event.objects.count() == 10
    assert sync_ll2("--base-url", fake.base_url, *FAST, "--prune", "--max-prune-fraction", "1") == (
        f"{fake.base_url}: 1 page: 0 created, 0 updated, 0 unchanged, 10 pruned\n"
    )
    assert Event.objects.count() == 0


@pytest.mark.parametrize("option", ["--timeout", "--watch"])
def test_seconds_longer_than_a_wait_can_take_exit_2(fake_ll2, sync_ll2, option):
    fake = fake_ll2(EVENTS[:3])
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", fake.base_url, *FAST, option, "1e10")
    message = f"{option}: expected at most {threading.TIMEOUT_MAX:.0f} seconds, got 1e+10"
    assert (str(failed.value), failed.value.returncode) == (message, 2)
    assert fake.calls() == []


def test_a_budget_wait_longer_than_a_wait_can_take_ends_at_sigterm(fake_ll2, sync_ll2):
    # One call per 1e300 s: the second page waits "for ever", until SIGTERM, sent a second after the first
    # call arrives (the command's handler is in place by then).
    fake = fake_ll2(EVENTS, page_size=10)
    sigterm = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    fake.script(("call", sigterm.start))
    try:
        with sync_log() as logged, pytest.raises(CommandError) as stopped:
            call_command(
                "sync_ll2", "--base-url", fake.base_url, *FAST[2:], "--rate", "1/1e300", "--no-progress"
            )
    finally:
        sigterm.cancel()  # should the command end first, no SIGTERM for the test run itself
    # A run cut short is no success: 128 + SIGTERM, as a shell says of a process SIGTERM ended.
    assert (str(stopped.value), stopped.value.returncode) == (
        "stopped (SIGTERM) before the sync was done",
        143,
    )
    assert logged.getvalue() == "page 1: 10 of 15 events left\nstopped\n"
    assert Event.objects.count() == 10
    assert len(fake.calls()) == 1


def test_a_run_from_before_the_checkpoint_cut_short_says_where_to_take_it_up(fake_ll2, sync_ll2):
    fake = fake_ll2(EVENTS, page_size=10)
    sync_ll2("--base-url", fake.base_url, *FAST)  # synced: the checkpoint past every event
    Event.objects.all().delete()  # to be filled again
    fake.script(None, ("html",))  # the second page's answer stops the run
    with pytest.raises(CommandError) as stopped:
        sync_ll2("--base-url", fake.base_url, "--since", "all", *FAST)
    # The first page's newest stamp, from its whole second (a run reads from there).
    moment = stamp(sorted(EVENTS, key=sort_key)[9]["last_updated"]).replace(microsecond=0)
    since = moment.isoformat().replace("+00:00", "Z")
    assert str(stopped.value).endswith(f"; `sync_ll2 --since {since}` takes the run up where it stopped")
    # From the checkpoint, which never goes back: the newest event alone, within its overlap.
    assert sync_ll2("--base-url", fake.base_url, *FAST).endswith(
        ": 1 page: 1 created, 0 updated, 0 unchanged, 0 pruned\n"
    )
    assert Event.objects.count() == 11
    sync_ll2("--base-url", fake.base_url, "--since", since, *FAST)
    assert Event.objects.count() == 15


# --- Backoff ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "delay"), [(1.0, 60.0), (0.0, 0.0)])
def test_the_backoff_of_a_late_attempt_is_capped(monkeypatch, base, delay):
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    assert Retry(attempts=6000, base=base, cap=60.0).delay(5000) == delay
