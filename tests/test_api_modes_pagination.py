"""Modes, pagination and links on the events routes."""

import copy
import re
from urllib.parse import urlsplit

import pytest
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from events.documents import render_documents
from events.models import Event
from spacedevs.api.pagination import LL2Pagination

from .spec import MODE_SCHEMAS, assert_matches_schema

pytestmark = pytest.mark.usefixtures("seeded")


def clone_seed(count):
    """`count` more events like the seed (ids 1000…), sharing its related rows, for paging tests; written
    as ingestion writes, in bulk, then rendered."""
    seed = Event.objects.get(pk=352)
    clones = [copy.copy(seed) for _ in range(count)]
    for number, clone in enumerate(clones):
        clone.pk, clone.slug = 1000 + number, f"clone-{number}"
    Event.objects.bulk_create(clones)
    render_documents([clone.pk for clone in clones])


@pytest.mark.parametrize(
    ("query", "mode"),
    [
        ("", "normal"),
        ("?mode=list", "list"),
        ("?mode=normal", "normal"),
        ("?mode=detailed", "detailed"),
        ("?mode=LIST", "list"),
    ],
)
@pytest.mark.parametrize("route", ["/2.3.0/events/", "/events/", "/2.3.0/events/previous/"])
def test_list_modes(client, route, query, mode):
    result = client.get(route + query, HTTP_ACCEPT="application/json").json()["results"][0]
    assert result["response_mode"] == mode
    assert_matches_schema(result, MODE_SCHEMAS[mode])


@pytest.mark.parametrize(("query", "mode"), [("", "detailed"), ("?mode=list", "list")])
def test_detail_modes(client, query, mode):
    result = client.get(f"/2.3.0/events/352/{query}", HTTP_ACCEPT="application/json").json()
    assert result["response_mode"] == mode
    assert_matches_schema(result, MODE_SCHEMAS[mode])


UNKNOWN_MODE = {"mode": ["'full' is not a valid mode; valid modes are: list, normal, detailed."]}
OTHERS_BAD = {
    "type__ids": ["Enter a whole number."],
    "ordering": ["Unknown ordering field(s): zzz. Valid: date, -date, last_updated, -last_updated."],
}


@pytest.mark.parametrize("route", ["/2.3.0/events/", "/2.3.0/events/352/", "/2.3.0/events/upcoming/"])
@pytest.mark.parametrize(("others", "named"), [("", {}), ("&type__ids=x&ordering=zzz", OTHERS_BAD)])
def test_unknown_mode_is_a_400_listing_the_valid_modes(client, route, others, named):
    response = client.get(f"{route}?mode=full{others}", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    # The other bad parameters are named with it, in the query's order.
    assert list(response.json().items()) == list((UNKNOWN_MODE | named).items())


def test_nested_response_modes_are_fixed_whatever_the_mode(client):
    event = client.get("/2.3.0/events/352/?format=json").json()
    assert event["agencies"][0]["response_mode"] == "list"
    assert event["launches"][0]["response_mode"] == "list"
    assert event["program"][0]["response_mode"] == "normal"
    assert event["program"][0]["agencies"][0]["response_mode"] == "list"
    assert "response_mode" not in event["spacestations"][0]


def test_default_page_envelope(client):
    clone_seed(14)
    page = client.get("/2.3.0/events/?format=json").json()
    assert_matches_schema(page, "PaginatedPolymorphicEventsEndpointList")
    assert page["count"] == 15
    assert page["next"] == "http://testserver/2.3.0/events/?format=json&limit=10&offset=10"
    assert page["previous"] is None
    assert len(page["results"]) == 10


def test_next_and_previous_keep_every_other_parameter(client):
    clone_seed(14)
    page = client.get("/2.3.0/events/?mode=list&limit=5&offset=5&format=json").json()
    assert page["next"] == "http://testserver/2.3.0/events/?format=json&limit=5&mode=list&offset=10"
    assert page["previous"] == "http://testserver/2.3.0/events/?format=json&limit=5&mode=list"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "mode=list&format=json",
        "b&a=&a=2&a=1",  # blank values, a name given thrice
        "name=two+words%20and%2Bplus&search=%zz%e2%82",  # '+', escapes, broken escapes
        "name=Ü&search=%C3%BC&x;y=1",  # raw and escaped UTF-8, a ';'
        "offset=junk-replaced&limit=7",
    ],
)
@pytest.mark.parametrize(("limit", "offset"), [(10, 0), (10, 5), (10, 10), (10, 25), (3, 97)])
def test_links_are_written_as_djangorestframework_writes_them(rf, query, limit, offset):
    """LL2Pagination writes its links in one pass: the same links as DRF's two (limit, then offset)."""
    request = Request(rf.get(f"/2.3.0/events/?{query}"))
    ours, drfs = LL2Pagination(), LimitOffsetPagination()
    for paginator in (ours, drfs):
        paginator.request, paginator.count, paginator.limit, paginator.offset = request, 100, limit, offset
    assert ours.get_next_link() == drfs.get_next_link()
    assert ours.get_previous_link() == drfs.get_previous_link()


# gunicorn's longest request line (spacedevs/gunicorn_config.py), less "GET " and " HTTP/1.1".
LONGEST_TARGET = 8190 - len("GET  HTTP/1.1")


def test_the_links_are_held_to_gunicorns_own_longest_request_line():
    from spacedevs import gunicorn_config
    from spacedevs.api.parameters import LONGEST_REQUEST_LINE

    assert gunicorn_config.limit_request_line == LONGEST_REQUEST_LINE == 8190


def comma_lists(length, **values):
    """The query of `values` ({parameter: items}) as comma lists, each cut to keep the query within `length`
    characters."""
    query = "mode=list&limit=1"
    for name, items in values.items():
        items = list(items)
        while len(f"{query}&{name}={','.join(items)}") > length:
            items.pop()
        query += f"&{name}={','.join(items)}"
    return query


def test_a_query_whose_next_link_a_request_could_not_hold_is_a_400(client):
    clone_seed(1)
    path = "/2.3.0/events/"
    # Within a request line, with room for `&offset=…`; DRF writes each comma of a link as `%2C`.
    days, months = (str(1 + n % 31) for n in range(1000)), (str(1 + n % 12) for n in range(1000))
    query = comma_lists(
        LONGEST_TARGET - len(path) - 20, type__ids=map(str, range(1, 1001)), day=days, month=months
    )
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    [(name, [message])] = response.json().items()
    assert name == "type__ids"  # the longest
    found = re.fullmatch(
        r"Too long for the page's links: they would be (\d+) characters, past the (\d+) of a request\.",
        message,
    )
    assert found and int(found[1]) > int(found[2]) == LONGEST_TARGET, message


def test_a_next_link_as_long_as_a_request_line_can_hold_is_answered_and_one_longer_is_a_400(client):
    clone_seed(1)
    path = "/2.3.0/events/"
    # The next link adds `offset=1`: exactly as long as a request line holds.
    filler = "a" * (LONGEST_TARGET - len(f"{path}?limit=1&offset=1&x="))
    page = client.get(f"{path}?limit=1&x={filler}", HTTP_ACCEPT="application/json")
    assert page.status_code == 200
    link = urlsplit(page.json()["next"])
    assert len(f"{link.path}?{link.query}") == LONGEST_TARGET
    longer = client.get(f"{path}?limit=1&x={filler}a", HTTP_ACCEPT="application/json")
    assert (longer.status_code, longer.json()) == (
        400,
        {
            "x": [
                f"Too long for the page's links: they would be {LONGEST_TARGET + 1} characters, past the "
                f"{LONGEST_TARGET} of a request."
            ]
        },
    )


def test_a_query_of_few_characters_but_many_bytes_is_measured_as_its_links_write_it(client):
    # 1,350 characters, sent as 2,700 bytes of UTF-8, each of which Django's links write as two escapes (it
    # takes the WSGI query string's characters, one a byte received, for text): 16,200 characters.
    clone_seed(1)
    response = client.get("/2.3.0/events/?limit=1&unknown=" + "é" * 1350, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    [(name, [message])] = response.json().items()
    assert (name, message.split(" characters")[0]) == (
        "unknown",
        "Too long for the page's links: they would be 16240",
    )


def test_a_long_query_whose_page_has_no_links_is_answered(client):
    # Its links would be too long, but with one match on one page it has none.
    query = "limit=100&id=352," + ",".join(str(1_000_000 + n) for n in range(900))
    response = client.get(f"/2.3.0/events/?{query}", HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()["next"], response.json()["previous"]) == (200, None, None)


def test_a_feeds_long_query_is_not_refused_for_links_it_does_not_have(client):
    clone_seed(1)
    date = Event.objects.get(pk=352).date
    query = "&".join(
        f"{name}={','.join([str(value)] * 1000)}" for name, value in (("type__ids", 13), ("day", date.day))
    )
    assert len(f"/2.3.0/events/?format=ics&{query}") < LONGEST_TARGET
    assert client.get(f"/2.3.0/events/?limit=1&{query}").status_code == 400  # as a page of one: links
    response = client.get(f"/2.3.0/events/?format=ics&limit=1&{query}")
    assert (response.status_code, response["Content-Type"]) == (200, "text/calendar; charset=utf-8")


def test_a_long_querys_links_are_requests_that_answer(client):
    clone_seed(1)
    path = "/2.3.0/events/"
    query = comma_lists(LONGEST_TARGET // 2, type__ids=map(str, range(1, 1001)))
    page = client.get(f"{path}?{query}").json()
    assert page["count"] == 2
    link = urlsplit(page["next"])
    assert 5_000 < len(f"{link.path}?{link.query}") <= LONGEST_TARGET  # %2C: half as long again
    following = client.get(f"{link.path}?{link.query}").json()
    assert (following["count"], [event["id"] for event in following["results"]]) == (2, [1000])


def test_default_order_is_date_then_id(client):
    clone_seed(3)
    ids = [event["id"] for event in client.get("/2.3.0/events/?mode=list&format=json").json()["results"]]
    assert ids == [352, 1000, 1001, 1002]


def test_format_is_kept_on_every_link(client):
    body = client.get("/2.3.0/events/352/?format=api").content.decode()
    for path in ("events/352/", "agencies/37/", "space_stations/4/", "programs/17/"):
        assert f"/2.3.0/{path}?format=api" in body


def test_duration_and_datetimes(client):
    event = client.get("/2.3.0/events/352/?format=json").json()
    assert (event["duration"], event["date"], event["last_updated"]) == (
        "PT1H5M34S",
        "2026-03-06T17:05:00Z",
        "2026-03-06T17:54:47Z",
    )
