"""sync_ll2 --refresh: the events of the last day and the next read again each pass, so that a change to what
they embed reaches the mirror while their last_updated stays as it was."""

import copy
import datetime

import pytest
from django.core.management import CommandError

from events.models import Event
from ingest.models import SyncCheckpoint
from ingest.sync import REFRESH_FROM

from .conftest import fixture_events
from .fake_upstream import stamp
from .sync_fixtures import FAST, THIN

pytestmark = pytest.mark.django_db

# Events 382 and 393 embed the same launch; 382 is moved to the day after tomorrow, within the refresh's
# reach, 393 keeps its date, out of it. The newest event (a thin one, updated last, dated ten days ago) is the
# one a pass from the checkpoint reads again.
SHARED_LAUNCH = "de31f576-e803-46d9-94cf-7407db474090"
NEWEST = THIN[-1]["id"]


def text(moment):
    return moment.isoformat().replace("+00:00", "Z")


def upstream_events():
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    soon = copy.deepcopy(fixture_events()[382]) | {"date": text(now + datetime.timedelta(days=2))}
    newest = THIN[-1] | {
        "date": text(now - datetime.timedelta(days=10)),
        "last_updated": text(now - datetime.timedelta(days=3)),
    }
    return [soon, copy.deepcopy(fixture_events()[393]), newest]


def launch_status(client, event_id):
    (launch,) = client.get(f"/2.3.0/events/{event_id}/?mode=detailed").json()["launches"]
    assert launch["id"] == SHARED_LAUNCH
    return launch["status"]["name"]


def set_launch_status(fake, name):
    """The shared launch's status changed upstream, the last_updated of the events embedding it left alone."""
    for event in fake.events:
        for launch in event.get("launches", []):
            if launch["id"] == SHARED_LAUNCH:
                launch["status"] = launch["status"] | {"id": 4, "name": name}


def test_a_launch_changed_upstream_reaches_every_event_embedding_it(fake_ll2, sync_ll2, client):
    fake = fake_ll2(upstream_events())
    assert sync_ll2("--base-url", fake.base_url, *FAST) == (
        f"{fake.base_url}: 1 page: 3 created, 0 updated, 0 unchanged, 0 pruned\n"
    )
    set_launch_status(fake, "Launch Failure")

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
    dated = stamp(refresh.query.pop("date__gte"))
    assert refresh.query == {"mode": "detailed", "limit": "100", "ordering": "date"}
    assert (
        asked - REFRESH_FROM - datetime.timedelta(seconds=1)
        <= dated
        <= asked - REFRESH_FROM + datetime.timedelta(seconds=5)
    )


def test_an_event_older_upstream_than_here_is_left_as_it_is(fake_ll2, sync_ll2, client):
    """A cache in front of the upstream can serve an event as it was: the refresh never takes it back."""
    fake = fake_ll2(upstream_events())
    sync_ll2("--base-url", fake.base_url, *FAST)
    held = Event.objects.get(pk=382)
    (soon,) = [event for event in fake.events if event["id"] == 382]
    earlier = text(held.last_updated - datetime.timedelta(seconds=1))
    soon |= {"name": "As it was", "last_updated": earlier}
    set_launch_status(fake, "Launch Failure")

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


def test_an_upstream_ignoring_the_date_filter_is_refused_and_the_error_recorded(fake_ll2, sync_ll2):
    fake = fake_ll2(upstream_events())
    sync_ll2("--base-url", fake.base_url, *FAST)
    fake.script(None, ("bad_record", 0, lambda record: record.update(date="2020-01-01T00:00:00Z")))
    with pytest.raises(CommandError) as stopped:
        sync_ll2("--base-url", fake.base_url, "--refresh", *FAST)
    refused = "events with a date before date__gte (is the filter ignored?)"
    assert str(stopped.value).endswith(refused)
    assert SyncCheckpoint.objects.get().last_error.endswith(refused)
    assert Event.objects.get(pk=382).date.year > 2025
