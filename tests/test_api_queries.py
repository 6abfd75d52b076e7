"""Each list route and mode runs a fixed number of queries, however many rows it renders.

The first query of every request reads the data state (spacedevs/middleware.py); on the routes that move
with time, the next reads when their window next changes (the response cache's validity; once per data
version and window). An event page then counts the matches (once per data version and query: see the count
tests) and reads the page: its ids joined to their documents in one statement on PostgreSQL (the process
holds none of them as each test starts: see test_document_cache.py), the ids then the documents elsewhere;
an event, its document. The last reads the data state again (the response was computed from one version of
the data). Each test starts with an empty cache."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from rest_framework.request import Request

from events.models import Event
from ingest.records import ingest_records
from spacedevs.api.pagination import LL2Pagination
from spacedevs.models import DataState

from .conftest import PAGE_QUERIES, STATE_READS

# Each route's queries for a page.
ROUTES = {
    "/2.3.0/events/": STATE_READS + 1 + PAGE_QUERIES,
    "/2.3.0/events/upcoming/": STATE_READS + 2 + PAGE_QUERIES,
    "/2.3.0/events/previous/": STATE_READS + 2 + PAGE_QUERIES,
}


@pytest.mark.parametrize("mode", ["list", "normal", "detailed"])
@pytest.mark.parametrize(("route", "count"), ROUTES.items())
def test_query_count_is_the_same_for_1_and_100_rows(
    client, generated, django_assert_num_queries, route, count, mode
):
    for limit in (1, 100):
        caches[settings.RESPONSE_CACHE_ALIAS].clear()  # neither the page nor its count cached
        with django_assert_num_queries(count):
            response = client.get(f"{route}?mode={mode}&limit={limit}&format=json")
        assert len(response.json()["results"]) == limit
        assert response.json()["results"][0]["id"] in (9001, 9002)


def test_a_query_is_counted_once_per_data_version(client, generated, django_assert_num_queries):
    first = client.get("/2.3.0/events/?type__ids=1,2&limit=5", HTTP_ACCEPT="application/json").json()
    # Another page and another mode of the same query: the data state, the page.
    with django_assert_num_queries(STATE_READS + PAGE_QUERIES):
        other = client.get("/2.3.0/events/?type__ids=1,2&limit=7&offset=5&mode=list&format=json").json()
    assert other["count"] == first["count"] == Event.objects.filter(type_id__in=[1, 2]).count()
    # A write: counted again, and exact.
    added = generated[5] | {"id": 99_999, "slug": "counted-again", "type": {"id": 1, "name": "Docking"}}
    ingest_records([added], source="test")
    again = client.get("/2.3.0/events/?type__ids=1,2&limit=7&offset=5&mode=list&format=json").json()
    assert again["count"] == first["count"] + 1


@pytest.mark.parametrize(
    ("resource", "count"),
    [
        ("agencies", STATE_READS + 2),
        ("launches", STATE_READS + 3),
        ("programs", STATE_READS + 5),
        ("space_stations", STATE_READS + 3),
        ("expeditions", STATE_READS + 5),
        ("astronauts", STATE_READS + 3),
        ("config/event_types", STATE_READS + 2),
    ],
)
def test_linked_resources_query_count_does_not_grow(
    client, generated, django_assert_num_queries, resource, count
):
    for limit in (1, 100):
        caches[settings.RESPONSE_CACHE_ALIAS].clear()
        with django_assert_num_queries(count):
            response = client.get(f"/2.3.0/{resource}/?limit={limit}&format=json")
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(limit, response.json()["count"])
        assert response.json()["count"] > 1


@pytest.mark.parametrize("mode", ["list", "normal", "detailed"])
def test_detail_query_count(client, generated, django_assert_num_queries, mode):
    with django_assert_num_queries(STATE_READS + 1) as queries:
        response = client.get(f"/2.3.0/events/9001/?mode={mode}&format=json")
    assert (response.json()["id"], response.json()["response_mode"]) == (9001, mode)
    # One row at most: an ordering would only be compiled, and sorted.
    [document_query] = [query["sql"] for query in queries if "events_eventdocument" in query["sql"]]
    assert "ORDER BY" not in document_query


def test_the_generated_events_import_as_they_are(generated):
    # Here rather than in test_generator.py: the data set is imported once for the tests that use it.
    assert Event.objects.count() == len(generated) == 402


def test_a_window_is_looked_up_and_counted_once(client, generated, django_assert_num_queries):
    first = client.get("/2.3.0/events/upcoming/?limit=5&mode=list&format=json").json()
    # Another page of the same window, a moment later: the data state, the page.
    with django_assert_num_queries(STATE_READS + PAGE_QUERIES):
        other = client.get("/2.3.0/events/upcoming/?limit=7&offset=5&mode=list&format=json").json()
    upcoming = Event.objects.upcoming(timezone.now()).order_by("date", "id")
    assert other["count"] == first["count"] == upcoming.count()
    assert [event["id"] for event in other["results"]] == list(upcoming.values_list("id", flat=True)[5:12])


def count_of(queryset, request):
    pagination = LL2Pagination()
    pagination.paginate_queryset(queryset, Request(request))
    return pagination.count


def test_queries_that_print_alike_are_counted_apart(generated, rf):
    slugs = list(Event.objects.order_by("id").values_list("slug", flat=True)[:2])
    # Printed with their parameters pasted in, both read `… "slug" IN (first, second)`.
    apart, each = Event.objects.filter(slug__in=[", ".join(slugs)]), Event.objects.filter(slug__in=slugs)
    assert str(apart.query) == str(each.query)
    request = rf.get("/2.3.0/events/")
    request.data_state = DataState.current()
    assert [count_of(apart, request), count_of(each, request)] == [0, 2]
