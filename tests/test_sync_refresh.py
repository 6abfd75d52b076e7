"""sync_ll2 --refresh: the first events dated from a day ago on read again each pass, so that a change to what
they embed reaches the mirror while their last_updated stays as it was."""

import copy
import datetime
import io
import json
import os
import re
import signal

import pytest
from django.core.management import CommandError, call_command

from events.models import Event
from ingest.models import SyncCheckpoint

from .conftest import fixture_events
from .fake_upstream import stamp
from .sync_fixtures import FAST, THIN, sync_log, written_while_asking_about_slugs

pytestmark = pytest.mark.django_db

# Events 382 and 393 embed the same launch; 382 is moved to the day after tomorrow, within the refresh's
# reach, 393 keeps its date (2019), out of it. The newest event (a thin one, updated three days ago, dated ten
# days ago) is the one a pass from the checkpoint reads again.
SHARED_LAUNCH = "de31f576-e803-46d9-94cf-7407db474090"
DAY = datetime.timedelta(days=1)


def text(moment):
    return moment.isoformat().replace("+00:00", "Z")


def now():
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def upstream_events():
    soon = copy.deepcopy(fixture_events()[382]) | {"date": text(now() + 2 * DAY)}
    newest = THIN[-1] | {"date": text(now() - 10 * DAY), "last_updated": text(now() - 3 * DAY)}
    return [soon, copy.deepcopy(fixture_events()[393]), newest]


def synced(fake_ll2, sync_ll2, events):
    """A fake upstream of `events`, synced once."""
    fake = fake_ll2(events)
    sync_ll2("--base-url", fake.base_url, *FAST)
    return fake


def upstreams(fake, event_id):
    """The upstream's event `event_id`, to change."""
    (event,) = [event for event in fake.events if event["id"] == event_id]
    return event


def launch_status(client, event_id):
    (launch,) = client.get(f"/2.3.0/events/{event_id}/?mode=detailed").json()["launches"]
    assert launch["id"] == SHARED_LAUNCH
    return launch["status"]["name"]


def set_launch(event, name, **fields):
    """The shared launch's status (and `fields`) changed in the upstream's `event`, its last_updated left."""
    (launch,) = event["launches"]
    launch |= {"status": launch["status"] | {"id": 4, "name": name}, **fields}


def test_a_launch_changed_upstream_reaches_every_event_embedding_it(fake_ll2, sync_ll2, client):
    fake = fake_ll2(upstream_events())
    assert sync_ll2("--base-url", fake.base_url, *FAST) == (
        f"{fake.base_url}: 1 page: 3 created, 0 updated, 0 unchanged, 0 pruned\n"
    )
    for event_id in (382, 393):
        set_launch(upstreams(fake, event_id), "Launch Failure")

    # A pass from the checkpoint reads the newest event alone: what the others embed stays as it was.
    assert sync_ll2("--base-url", fake.base_url, *FAST) == (
        f"{fake.base_url}: 1 page: 0 created, 0 updated, 1 unchanged, 0 pruned\n"
    )
    assert {launch_status(client, 382), launch_status(client, 393)} == {"Launch Successful"}

    asked = datetime.datetime.now(datetime.UTC)
    assert sync_ll2("--base-url", fake.base_url, "--refresh", *FAST) == (
        f"{fake.base_url}: 2 pages: 0 created, 0 updated, 2 unchanged, 0 pruned\n"
    )
    assert {launch_status(client, 382), launch_status(client, 393)} == {"Launch Failure"}
    refresh = fake.calls()[-1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", refresh.query["date__gte"])  # a whole second
    dated = stamp(refresh.query.pop("date__gte"))
    assert refresh.query == {"mode": "detailed", "limit": "100", "ordering": "date"}
    assert asked - DAY - datetime.timedelta(seconds=1) <= dated <= asked - DAY + datetime.timedelta(seconds=5)


def test_an_event_older_upstream_than_here_is_left_as_it_is(fake_ll2, sync_ll2, client):
    """A cache in front of the upstream can serve an event as it was: the refresh never takes it back."""
    fake = synced(fake_ll2, sync_ll2, upstream_events())
    held = Event.objects.get(pk=382)
    soon = upstreams(fake, 382)
    soon |= {"name": "As it was", "last_updated": text(held.last_updated - datetime.timedelta(seconds=1))}
    set_launch(soon, "Launch Failure")

    assert sync_ll2("--base-url", fake.base_url, "--refresh", *FAST) == (
        f"{fake.base_url}: 2 pages: 0 created, 0 updated, 1 unchanged, 0 pruned\n"
    )
    assert Event.objects.get(pk=382).name == held.name
    assert launch_status(client, 393) == "Launch Successful"

    soon |= {
        "name": "Renamed upstream",
        "last_updated": text(held.last_updated + datetime.timedelta(seconds=1)),
    }
    assert sync_ll2("--base-url", fake.base_url, "--refresh", *FAST) == (
        f"{fake.base_url}: 2 pages: 0 created, 1 updated, 1 unchanged, 0 pruned\n"
    )
    assert Event.objects.get(pk=382).name == "Renamed upstream"
    assert launch_status(client, 393) == "Launch Failure"


def test_a_newer_copy_imported_while_the_refresh_asks_about_slugs_is_left_as_it_is(
    fake_ll2, sync_ll2, monkeypatch, tmp_path
):
    """An import run beside the watch commits a newer copy after the refresh read the copies held and before
    its transaction: the refresh reads them again in its turn, and does not take the event back."""
    fake = synced(fake_ll2, sync_ll2, upstream_events())
    held = Event.objects.get(pk=382)
    soon = upstreams(fake, 382)
    soon |= {
        "name": "Older than the import",
        "last_updated": text(held.last_updated + datetime.timedelta(seconds=1)),
    }
    imported = tmp_path / "newer.json"
    newer = copy.deepcopy(soon) | {"name": "Imported", "last_updated": text(held.last_updated + 2 * DAY)}
    imported.write_text(json.dumps([newer]))

    def import_newer():
        call_command("import_ll2", str(imported), "--no-progress", stdout=io.StringIO())

    # On the refresh's page, not the pass's from the checkpoint before it.
    written_while_asking_about_slugs(monkeypatch, soon, import_newer)
    assert sync_ll2("--base-url", fake.base_url, "--refresh", *FAST) == (
        f"{fake.base_url}: 2 pages: 0 created, 0 updated, 1 unchanged, 0 pruned\n"
    )
    assert Event.objects.get(pk=382).name == "Imported"


def test_an_event_holding_a_launch_older_than_here_is_left_as_it_is(fake_ll2, sync_ll2, client):
    """The launch another event brought in its update is not taken back by a cached copy of 382, whose own
    last_updated is the one held."""
    fake = synced(fake_ll2, sync_ll2, upstream_events())
    other = upstreams(fake, 393)
    other["last_updated"] = text(now() - datetime.timedelta(hours=1))
    set_launch(other, "Launch Failure", last_updated=text(now() - datetime.timedelta(hours=2)))
    upstreams(fake, 382)["name"] = "Cached as it was, with the launch as it was"

    assert sync_ll2("--base-url", fake.base_url, "--refresh", *FAST) == (
        f"{fake.base_url}: 2 pages: 0 created, 1 updated, 1 unchanged, 0 pruned\n"
    )
    assert {launch_status(client, 382), launch_status(client, 393)} == {"Launch Failure"}
    assert Event.objects.get(pk=382).name == fixture_events()[382]["name"]


def test_a_refresh_taking_a_slug_asks_about_the_event_holding_it(fake_ll2, sync_ll2):
    """Slugs swapped upstream, the events' last_updated left as they were (an admin's edit, on an upstream
    that is this server): the refresh imports the holder as the upstream has it now, with the page."""
    fake = synced(fake_ll2, sync_ll2, upstream_events())
    soon, other = upstreams(fake, 382), upstreams(fake, 393)
    soon["slug"], other["slug"] = other["slug"], "renamed-upstream"

    assert sync_ll2("--base-url", fake.base_url, "--refresh", *FAST) == (
        f"{fake.base_url}: 2 pages: 0 created, 2 updated, 1 unchanged, 0 pruned\n"
    )
    assert Event.objects.get(pk=382).slug == fixture_events()[393]["slug"]
    assert Event.objects.get(pk=393).slug == "renamed-upstream"
    assert fake.calls()[-1].query["id"] == "393"


@pytest.mark.parametrize(
    ("date", "refused"),
    [
        ("2020-01-01T00:00:00Z", "events with a date before date__gte (is the filter ignored?)"),
        (text(now() + 3 * DAY), "events not in date order (is ordering ignored?)"),
    ],
    ids=["before-date__gte", "out-of-order"],  # the same on every xdist worker, whenever it collects
)
def test_an_upstream_ignoring_the_date_filter_or_order_is_refused_and_the_error_recorded(
    fake_ll2, sync_ll2, date, refused
):
    events = upstream_events()
    events[1]["date"] = text(now() + DAY)  # 393 as well as 382 within the refresh's reach, first
    fake = synced(fake_ll2, sync_ll2, events)
    fake.script(None, ("bad_record", 0, lambda record: record.update(date=date)))
    with pytest.raises(CommandError) as stopped:
        sync_ll2("--base-url", fake.base_url, "--refresh", *FAST)
    assert str(stopped.value).endswith(refused)
    assert SyncCheckpoint.objects.get().last_error.endswith(refused)
    assert Event.objects.get(pk=393).date.year > 2025


def test_a_refresh_that_fails_leaves_the_prune_to_run_and_the_pass_to_be_reported_first(fake_ll2, sync_ll2):
    fake = synced(fake_ll2, sync_ll2, upstream_events())
    fake.events.remove(upstreams(fake, 393))
    fake.script(None, ("status", 503), ("status", 503))  # the refresh's two attempts
    report = io.StringIO()
    with pytest.raises(CommandError) as stopped:
        prune = ["--prune", "--max-prune-fraction", "1"]
        call_command(
            "sync_ll2",
            "--base-url",
            fake.base_url,
            "--refresh",
            *prune,
            "--no-progress",
            *FAST,
            stdout=report,
        )
    assert str(stopped.value).endswith(": 503 Service Unavailable (gave up after 2 attempts)")
    assert report.getvalue() == f"{fake.base_url}: 1 page: 0 created, 0 updated, 1 unchanged, 1 pruned\n"
    assert not Event.objects.filter(pk=393).exists()
    asked = [call.query.get("ordering") or call.query["mode"] for call in fake.calls()[1:]]
    assert asked == ["last_updated", "date", "date", "list", "list"]  # the pass, the refresh, the prune


def test_watch_logs_a_refresh_that_failed_and_stops_during_one(fake_ll2):
    fake = fake_ll2(upstream_events())
    stop = ("call", lambda: os.kill(os.getpid(), signal.SIGTERM))
    # The first pass, its page and refresh; a poll, its page and a refresh failing twice; a poll, its page
    # and a refresh during which SIGTERM comes.
    fake.script(None, None, None, ("status", 503), ("status", 503), None, stop)
    handler = signal.getsignal(signal.SIGTERM)
    try:
        with sync_log() as logged:
            call_command("sync_ll2", "--base-url", fake.base_url, "--watch", "0.05", "--refresh", *FAST)
    finally:
        signal.signal(signal.SIGTERM, handler)
    log = logged.getvalue()
    assert "503 Service Unavailable (gave up after 2 attempts); trying again in 0.05 s" in log
    assert log.splitlines()[-1] == "stopped"
    assert [call.query["ordering"] for call in fake.calls()].count("date") == 4
    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.last_error == "" and checkpoint.last_error_at < checkpoint.last_success


def test_a_launch_older_than_another_copy_on_the_page_is_left_as_it_is(fake_ll2, sync_ll2, client):
    """Two events embedding the same launch, one copy of it newer than the other (one answered from a cache):
    the launch is the newer copy, whichever event comes last."""
    events = upstream_events()
    events[1]["date"] = text(now() + 3 * DAY)  # 393 after 382 on the refresh's page
    fake = synced(fake_ll2, sync_ll2, events)
    set_launch(upstreams(fake, 382), "Launch Failure", last_updated=text(now() - 2 * DAY))
    set_launch(upstreams(fake, 393), "Partial Failure", last_updated=text(now() - 3 * DAY))

    assert sync_ll2("--base-url", fake.base_url, "--refresh", *FAST) == (
        f"{fake.base_url}: 2 pages: 0 created, 0 updated, 2 unchanged, 0 pruned\n"
    )
    assert {launch_status(client, 382), launch_status(client, 393)} == {"Launch Failure"}


def test_a_record_in_another_mode_is_read_for_the_keys_of_its_mode(fake_ll2, sync_ll2):
    """A normal-mode record's launches are not read (nor imported): whatever the key holds is no error."""
    fake = synced(fake_ll2, sync_ll2, upstream_events())
    normal = {"response_mode": "normal", "name": "Read as normal", "launches": ["not a launch"]}
    fake.script(None, ("bad_record", 0, lambda record: record.update(normal)))

    assert sync_ll2("--base-url", fake.base_url, "--refresh", *FAST) == (
        f"{fake.base_url}: 2 pages: 0 created, 1 updated, 1 unchanged, 0 pruned\n"
    )
    assert Event.objects.get(pk=382).name == "Read as normal"


def test_a_record_failing_validation_in_the_refresh_stops_the_pass_before_the_prune(fake_ll2, sync_ll2):
    fake = synced(fake_ll2, sync_ll2, upstream_events())
    fake.events.remove(upstreams(fake, 393))
    fake.script(None, ("bad_record", 0, lambda record: record.update(name=None)))
    with pytest.raises(CommandError) as stopped:
        sync_ll2("--base-url", fake.base_url, "--refresh", "--prune", "--max-prune-fraction", "1", *FAST)
    assert "field 'name': must not be null" in str(stopped.value)
    assert Event.objects.filter(pk=393).exists()
    assert [call.query["mode"] for call in fake.calls()[1:]] == ["detailed", "detailed"]
