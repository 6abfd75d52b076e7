"""The sync_ll2 command: its exit statuses and one-line messages (bad arguments, an unreachable or non-LL2
upstream, the database, Ctrl-C), --status and what responses say of the last sync, one sync at a time, and
--watch's service, which outlives a fault and stops at SIGTERM."""

import contextlib
import datetime
import io
import os
import signal
import threading
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.utils import timezone

from events.models import Event
from ingest import service
from ingest.management.commands import sync_ll2 as sync_command
from ingest.models import SyncCheckpoint
from ingest.sync import SyncBusy, exclusive_sync
from ingest.upstream import Budget, SyncStopped, Upstream, tls_context
from spacedevs.models import DataState

from .fake_upstream import stamp
from .sync_fixtures import (
    FAST,
    HTML_TYPE,
    ORDERED,
    SECOND_PAGE_SINCE,
    SMALL,
    THIN,
    assert_stopped_after_first_page,
    closed_port_url,
    page_url,
    stored_ids,
    sync_log,
)

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="an in-memory SQLite database's own lock")
def test_one_sync_at_a_time_on_an_in_memory_database(db):
    with exclusive_sync(), pytest.raises(SyncBusy), exclusive_sync():
        pass
    with exclusive_sync():
        pass  # released


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
    ("option", "value", "message"),
    [
        ("--since", "yesterday", "--since: expected auto, all or an ISO 8601 date, got 'yesterday'"),
        ("--since", "2024-13-01", "--since: expected auto, all or an ISO 8601 date, got '2024-13-01'"),
        ("--rate", "15", "--rate: expected CALLS/SECONDS such as 15/3600, got '15'"),
        ("--rate", "15/hour", "--rate: expected CALLS/SECONDS such as 15/3600, got '15/hour'"),
        ("--rate", "0/10", "--rate: expected at least one call per positive number of seconds, got '0/10'"),
    ],
)
def test_command_bad_since_or_rate_exits_2_naming_it(sync_ll2, option, value, message):
    with pytest.raises(CommandError) as failed:
        sync_ll2("--base-url", closed_port_url(), option, value)
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


def test_a_sigterm_during_the_first_call_stops_the_command_in_a_line(fake_ll2, sync_ll2, monkeypatch):
    # The first call, the upstream's /api-throttle/ as the command connects, can take up to --timeout: a
    # SIGTERM then is the command's stop (its handler already set), not the end of the process.
    def first_call(upstream):
        os.kill(os.getpid(), signal.SIGTERM)
        upstream.sleep(1)  # the command's wait, which a stop asked for ends

    monkeypatch.setattr(Upstream, "read_budget", first_call)
    with pytest.raises(CommandError) as ended:
        sync_ll2("--base-url", fake_ll2().base_url, *FAST)
    assert (str(ended.value), ended.value.returncode) == ("stopped (SIGTERM) before the sync was done", 143)


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
