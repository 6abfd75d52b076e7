"""sync_ll2 against a real upstream: another instance of this server, started here with its own database."""

import copy
import datetime
import json
import re
import signal
import sqlite3
import time

import pytest
from django.core.management import call_command

from events.models import Event
from ingest.sync import REFRESH_FROM

from .conftest import fixture_events
from .instances import Instance, http_get

ROUTES = ["events/", "events/upcoming/", "events/previous/"]
FAST = ["--rate", "1000/1", "--no-progress"]


def served(database, directory):
    instance = Instance.copy_of(database, directory)
    yield instance.serve()
    instance.stop()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory, sqlite_databases):
    """The fixtures served, for the tests that only read them."""
    yield from served(sqlite_databases["imported"], tmp_path_factory.mktemp("upstream"))


@pytest.fixture
def changing_upstream(tmp_path, sqlite_databases):
    """The fixtures served for one test, which changes them."""
    yield from served(sqlite_databases["imported"], tmp_path / "upstream")


@pytest.fixture
def downstream(tmp_path, sqlite_databases):
    def make(name):
        return Instance.copy_of(sqlite_databases["empty"], tmp_path / name)

    return make


def sync(*args):
    return call_command("sync_ll2", *map(str, args), *FAST)


def hostless(page):
    """`page` with the scheme and host of every link removed: the one thing allowed to differ."""
    return json.loads(re.sub(r'"https?://(testserver|127\.0\.0\.1:\d+)/', '"/', json.dumps(page)))


def assert_same_routes(client, upstream):
    """Every event route, in every mode, every page: the same JSON here as upstream (hosts aside)."""
    for route in ROUTES:
        for mode in ("list", "normal", "detailed"):
            url = f"/2.3.0/{route}?mode={mode}&limit=100"
            while url:
                local = same_page(client, upstream, url)
                url = local["next"] and "/" + local["next"].split("/", 3)[3]


def same_page(client, upstream, url):
    """The page at `url` here, once it is found the same JSON as upstream (hosts aside)."""
    local = client.get(url, HTTP_ACCEPT="application/json").json()
    remote = http_get(f"{upstream.base_url.removesuffix('/2.3.0')}{url}").json()
    assert hostless(local) == hostless(remote), url
    return local


@pytest.mark.django_db
def test_the_mirror_follows_its_upstream(changing_upstream, client, capsys):
    upstream = changing_upstream
    sync("--base-url", upstream.base_url, "--since", "all")
    assert "2 pages: 114 created, 0 updated, 0 unchanged, 0 pruned" in capsys.readouterr().out
    assert_same_routes(client, upstream)

    events = fixture_events()
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    stamp = now.isoformat().replace("+00:00", "Z")
    moved = copy.deepcopy(events[352]) | {"date": "2031-01-02T03:04:05Z", "last_updated": stamp}
    new = copy.deepcopy(events[128]) | {"id": 99001, "slug": "a-new-event-99001", "last_updated": stamp}
    upstream.change(imported=[moved, new], deleted=[474])

    sync("--base-url", upstream.base_url, "--prune")
    # The newest event of the first sync comes again (it shares the checkpoint's last_updated), unchanged.
    assert "1 page: 1 created, 1 updated, 1 unchanged, 1 pruned" in capsys.readouterr().out
    assert_same_routes(client, upstream)

    sync("--base-url", upstream.base_url)
    assert "1 page: 0 created, 0 updated, 2 unchanged, 0 pruned" in capsys.readouterr().out

    # Event 382 moved to the day after tomorrow, and the launch it shares with event 393 failed, their
    # last_updated left as they were (as this server leaves them): a pass from the checkpoint does not see
    # them, --refresh reads 382 again, and 393 shows the launch as 382 does.
    soon = copy.deepcopy(events[382]) | {"date": (now + datetime.timedelta(days=2)).isoformat()}
    soon["launches"][0]["status"] |= {"id": 4, "name": "Launch Failure"}
    upstream.change(imported=[soon], deleted=[])
    started = datetime.datetime.now(datetime.UTC)
    sync("--base-url", upstream.base_url, "--refresh")
    ended = datetime.datetime.now(datetime.UTC)
    # The checkpoint's two events again, then the events dated from a day before a moment of the run on,
    # 382 among them.
    fewest, most = (
        Event.objects.filter(date__gte=moment - REFRESH_FROM).count() for moment in (ended, started)
    )
    report = capsys.readouterr().out
    assert any(
        f"2 pages: 0 created, 1 updated, {count + 1} unchanged" in report for count in range(fewest, most + 1)
    )
    for event_id in (382, 393):
        local = same_page(client, upstream, f"/2.3.0/events/{event_id}/?mode=detailed")
        assert local["launches"][0]["status"]["name"] == "Launch Failure"

    # A bulk update upstream: 101 events share a last_updated, more than a page holds. A page of them alone
    # (the second) has the sync read them as a group, by date, in two pages; then the moment after them.
    later = (now + datetime.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    bulk = [
        copy.deepcopy(events[128])
        | {"id": 99100 + number, "slug": f"bulk-{number}", "last_updated": later}
        | {"date": f"2032-01-01T00:{number // 60:02}:{number % 60:02}Z"}
        for number in range(101)
    ]
    upstream.change(imported=bulk, deleted=[])
    sync("--base-url", upstream.base_url)
    assert "5 pages: 101 created, 0 updated, 2 unchanged, 0 pruned" in capsys.readouterr().out
    assert_same_routes(client, upstream)


def event_count(instance):
    with sqlite3.connect(instance.database) as database:
        return database.execute("SELECT count(*) FROM events_event").fetchone()[0]


def committed_pages(instance):
    return event_count(instance) // 100


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


def test_an_interrupted_sync_resumes_to_the_same_database(upstream, downstream):
    whole = downstream("whole")
    # The uninterrupted run, alongside the interrupted one (their own databases; the same upstream).
    uninterrupted = whole.start("sync_ll2", "--base-url", upstream.base_url, "--since", "all", *FAST)
    interrupted = downstream("interrupted")
    # One call in three seconds: killed once its first page is in, well before the second page's call.
    process = interrupted.start("sync_ll2", "--base-url", upstream.base_url, "--rate", "1/3", "--no-progress")
    wait_for(lambda: committed_pages(interrupted) == 1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert event_count(interrupted) == 100  # the first page whole, nothing of the second
    resumed = interrupted.manage("sync_ll2", "--base-url", upstream.base_url, *FAST)
    # Its report alone on stdout; its log on stderr (not a terminal: no progress bar, a line per page).
    report = rf"{re.escape(upstream.base_url)}: 1 page: \d+ created, 0 updated, 1 unchanged, 0 pruned\n"
    assert re.fullmatch(report, resumed.stdout)
    assert " INFO ingest.sync [-] page 1: " in resumed.stderr
    assert uninterrupted.wait(30) == 0
    assert interrupted.dump() == whole.dump()
    assert len(interrupted.dump()["events_event"]) == 114


def test_a_second_sync_says_another_is_running(upstream, downstream):
    instance = downstream("busy")
    slow = instance.start("sync_ll2", "--base-url", upstream.base_url, "--rate", "1/30", "--no-progress")
    try:
        wait_for(lambda: committed_pages(instance) >= 1)
        second = instance.start("sync_ll2", "--base-url", upstream.base_url, *FAST)
        status = instance.start("sync_ll2", "--status")  # no lock to take: alongside the second
        assert second.wait(20) == 1
        # After the budget it read from the upstream's /api-throttle/.
        error = second.stderr.read().strip().splitlines()[-1]
        assert error == "CommandError: another sync_ll2 is running on this database"
        assert status.wait(20) == 0
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait()
    report = status.stdout.read()
    assert report.startswith(f"{upstream.base_url}\n  last_updated: ")
    assert "  last error:   -" in report


def test_watch_polls_until_sigterm(upstream, downstream):
    instance = downstream("watch")
    process = instance.start("sync_ll2", "--base-url", upstream.base_url, "--watch", "60", *FAST)
    wait_for(lambda: event_count(instance) == 114)
    time.sleep(0.3)  # the first pass's summary, then the wait for the next one
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    # A service's output is its log, on stderr (LOG_FORMAT=text: time, level, logger, request id), each
    # pass's report a line of it.
    assert stdout == ""
    lines = stderr.splitlines()
    assert all(
        re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO ingest\.sync \[-\] ", line) for line in lines
    )
    report = f"{upstream.base_url}: 2 pages: 114 created, 0 updated, 0 unchanged, 0 pruned"
    assert [line for line in lines if line.endswith(f" [-] {report}")]
