"""Slugs changing hands during a sync: an upstream that moved one between its answers, a stale local event
holding one that a page takes, a local import taking one meanwhile, and one repeated within an import."""

import copy

import pytest

from events.models import Event
from ingest.errors import IngestError
from ingest.records import ingest_records
from ingest.sync import sync_events
from ingest.upstream import UpstreamError
from spacedevs.models import DataState

from .fake_upstream import sort_key
from .sync_fixtures import SMALL, page_url, written_while_asking_about_slugs

pytestmark = pytest.mark.django_db


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
