"""Pages of stored documents (spacedevs/api/stored_pages.py): every page, first to last, in every order, is
the queryset's slice; a page past the middle is read from the other end and turned round."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event

LIMIT = 7
ORDERINGS = {
    "": ("date", "id"),
    "-date": ("-date", "id"),
    "last_updated": ("last_updated", "id"),
    "-last_updated,date": ("-last_updated", "date", "id"),
}


def page_ids(client, route, ordering, offset):
    query = f"limit={LIMIT}&offset={offset}&mode=list&format=json" + (
        f"&ordering={ordering}" if ordering else ""
    )
    return [event["id"] for event in client.get(f"{route}?{query}").json()["results"]]


@pytest.mark.parametrize(("ordering", "order_by"), ORDERINGS.items())
def test_every_page_is_the_querysets_slice(client, generated, ordering, order_by):
    expected = list(Event.objects.order_by(*order_by).values_list("id", flat=True))
    pages = [
        page_ids(client, "/2.3.0/events/", ordering, offset) for offset in range(0, len(expected) + 7, LIMIT)
    ]
    assert [pk for page in pages for pk in page] == expected
    assert pages[-1] == []  # an offset past the end
    assert page_ids(client, "/2.3.0/events/", ordering, len(expected)) == []  # and at it


def test_windowed_routes_page_from_both_ends(client, generated):
    now = timezone.now()
    previous = list(Event.objects.previous(now).order_by("-date", "id").values_list("id", flat=True))
    pages = [
        page_ids(client, "/2.3.0/events/previous/", "", offset) for offset in range(0, len(previous), LIMIT)
    ]
    assert [pk for page in pages for pk in page] == previous


def test_a_page_past_the_middle_is_read_from_the_other_end(client, generated):
    last = Event.objects.count() - LIMIT
    page_ids(client, "/2.3.0/events/", "", LIMIT)  # the count, now known (and no page below cached)
    with CaptureQueriesContext(connection) as near:
        first = page_ids(client, "/2.3.0/events/", "", 0)
    with CaptureQueriesContext(connection) as far:
        end = page_ids(client, "/2.3.0/events/", "", last)
    assert end == list(Event.objects.order_by("date", "id").values_list("id", flat=True)[last:])
    assert first == list(Event.objects.order_by("date", "id").values_list("id", flat=True)[:LIMIT])
    [near_page] = [query["sql"] for query in near.captured_queries if "LIMIT" in query["sql"]]
    [far_page] = [query["sql"] for query in far.captured_queries if "LIMIT" in query["sql"]]
    assert "DESC" not in near_page and "OFFSET" not in near_page.split("LIMIT")[-1]
    assert f'"events_event"."date" DESC, "events_event"."id" DESC LIMIT {LIMIT}' in far_page
    assert "OFFSET" not in far_page.split("LIMIT")[-1]
