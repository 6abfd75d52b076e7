"""sync_ll2 --prune: the walk of the upstream's event ids, the events it missed asked about again by id
before any is deleted, and its refusals (too many to prune, an upstream ignoring offset or the id filter)."""

import copy

import pytest
from django.core.management import CommandError

from ingest.prune import PruneRefused, prune_events, still_upstream, upstream_event_ids
from ingest.sync import sync_events
from ingest.upstream import UpstreamError

from .fake_upstream import sort_key, stamp
from .sync_fixtures import FAST, SMALL, THIN, stored_ids

pytestmark = pytest.mark.django_db


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
