"""Filters, search, ordering and pages of the events routes, against a plain-Python oracle over fixtures/.

The oracle (tests/oracle.py) re-implements the routes' semantics from the fixture JSON alone (no project
code): each parameter is checked on every route against it, and its result on `/2.3.0/events/` is also
pinned as a literal list of ids, so that neither the oracle nor the API can pass vacuously.
"""

import datetime
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone

from .conftest import PAGE_QUERIES, STATE_READS
from .oracle import EVENTS, EVENTS_ROUTE, PREVIOUS_ROUTE, ROUTES, UPCOMING_ROUTE, oracle, stable_now, url

# --- The API ---------------------------------------------------------------------------------------------


def fetch_all(client, route, params, mode="list"):
    """Every id `route` lists for `params`, following `next` from pages of 100; also `count`, the same on
    every page, and equal to the number of ids."""
    response = client.get(url(route, [*params, ("mode", mode), ("limit", "100")]))
    assert response.status_code == 200, response.content
    page = response.json()
    count, ids = page["count"], []
    while True:
        assert page["count"] == count
        ids += [event["id"] for event in page["results"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).json()
    assert len(ids) == count
    return ids, count


# --- Each parameter on every route ---------------------------------------------------------------------

# The query → the ids it gives on /2.3.0/events/, in order (read off fixtures/; spot-checked by hand).
# fmt: off
CASES = {
    # No filter: every event, by date then id (the four on 2027-12-31 by id).
    "": [
        101, 263, 355, 353, 362, 366, 104, 109, 111, 372, 118, 122, 375, 266, 380, 382, 389, 393, 399, 131,
        136, 300, 551, 271, 128, 138, 145, 149, 307, 344, 402, 347, 311, 155, 273, 158, 163, 165, 172, 176,
        407, 555, 182, 185, 317, 561, 190, 409, 320, 416, 420, 426, 564, 429, 325, 192, 434, 569, 199, 203,
        209, 280, 327, 212, 571, 284, 290, 293, 436, 443, 217, 219, 226, 230, 236, 447, 239, 244, 352, 453,
        456, 598, 461, 605, 463, 470, 474, 480, 334, 582, 578, 483, 488, 338, 246, 298, 490, 497, 501, 596,
        507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544,
    ],

    "agency__ids=37": [111, 128, 149, 158, 420, 217, 219, 244, 352, 461, 596, 591, 253, 542],
    "agency__ids=265": [443],
    "agency__ids=44,121,37": [
        101, 355, 353, 362, 366, 111, 372, 118, 122, 375, 266, 382, 389, 393, 131, 136, 300, 551, 271, 128,
        138, 145, 149, 307, 344, 402, 347, 311, 158, 176, 407, 317, 561, 320, 416, 420, 426, 564, 325, 192,
        569, 199, 203, 209, 280, 327, 571, 290, 293, 436, 443, 217, 219, 226, 230, 236, 447, 239, 244, 352,
        453, 461, 463, 334, 582, 483, 488, 338, 246, 298, 497, 501, 596, 507, 591, 515, 517, 524, 253, 534,
        528, 257, 542, 544,
    ],
    "agency__ids=999999": [],

    "expedition__ids=72": [209, 290, 293, 217, 219, 226, 230, 236],
    "expedition__ids=163,164": [182, 185, 190],
    "expedition__ids=999999": [],

    "spacestation__ids=18": [155, 273, 165, 182, 185, 190, 209, 212, 284],
    "spacestation__ids=4,18": [
        101, 104, 109, 111, 118, 266, 131, 136, 271, 128, 138, 149, 155, 273, 158, 163, 165, 176, 182, 185,
        190, 192, 569, 199, 209, 212, 284, 290, 293, 217, 219, 226, 239, 244, 352, 246, 253, 257,
    ],
    "spacestation__ids=999999": [],

    "program__ids=25": [344, 347, 561, 571, 334, 338, 298, 497, 596],
    "program__ids=17,10": [
        101, 104, 109, 111, 118, 122, 266, 131, 136, 271, 128, 138, 145, 149, 158, 163, 176, 192, 569, 199,
        203, 209, 290, 293, 217, 219, 226, 230, 236, 239, 244, 352, 582, 246, 253, 257,
    ],
    "program__ids=999999": [],

    "launch__ids=3a8d739a-a1da-44f8-9894-fbcb60f340c8": [209, 280],
    # Upper case is the same UUID; 209 has both launches.
    "launch__ids=7B513580-C1FF-42BB-A162-74342291E2FE,3a8d739a-a1da-44f8-9894-fbcb60f340c8": [209, 280, 236],
    "launch__ids=00000000-0000-0000-0000-000000000000": [],

    "id=352": [352],
    "id=101,352,999999": [101, 352],
    "id=999999": [],

    "type__ids=13": [128, 149, 352, 474, 480],
    "type__ids=2,8": [
        382, 393, 551, 555, 561, 416, 434, 569, 571, 436, 447, 453, 456, 463, 582, 483, 488, 501, 507, 588,
        510, 534,
    ],
    "type__ids=99": [],
    "type=17": [564, 598, 605, 578, 591],
    "type=99": [],

    "slug=htv-x1-berthing": [244],
    "slug=htv-x1": [],

    "video_url=https://www.youtube.com/@NASA": [402, 561, 564, 192, 290],
    # 192, 290, 561 and 564 have both.
    "video_url=https://www.youtube.com/@NASA,https://plus.nasa.gov/": [
        402, 561, 426, 564, 192, 569, 199, 203, 209, 571, 290, 293, 443, 217, 219, 226, 230, 239, 244, 463,
    ],
    "video_url=https://www.youtube.com/@nasa": [],

    "day=31": [122, 138, 453, 463, 470, 582, 246, 298, 490, 497, 588, 510, 517, 528, 257, 537, 542, 544],
    "day=1,17": [353, 111, 393, 128, 155, 172, 416, 429, 284, 436, 598],
    "day=30&month=2": [],
    "month=12": [307, 185, 571, 284, 605, 463, 470, 246, 298, 490, 497, 588, 534, 528, 544],
    "month=2,3": [263, 131, 136, 402, 347, 317, 426, 436, 443, 217, 219, 226, 230, 352, 474, 480, 257],
    "year=2027": [474, 480, 334, 582, 578, 483, 488, 338, 246, 298, 490, 497],
    "year=2019,2031": [393, 399, 131, 136, 300, 551, 271, 128, 257, 537, 542],
    "year=1999": [],

    # One instant, 2027-12-31T00:00:00Z, in every form: with Z, an offset, naive (UTC), a date alone.
    "date__gt=2027-12-31T00:00:00Z": [
        501, 596, 507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544,
    ],
    "date__gte=2027-12-31T00:00:00Z": [
        246, 298, 490, 497, 501, 596, 507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544,
    ],
    "date__gte=2027-12-31T02:00:00%2B02:00": [
        246, 298, 490, 497, 501, 596, 507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544,
    ],
    "date__gte=2027-12-30T19:00:00-05:00": [
        246, 298, 490, 497, 501, 596, 507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544,
    ],
    "date__gte=2027-12-31T00:00:00": [
        246, 298, 490, 497, 501, 596, 507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544,
    ],
    "date__gte=2027-12-31": [
        246, 298, 490, 497, 501, 596, 507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544,
    ],
    "date__gt=2027-12-31T02:00:00%2B02:00": [
        501, 596, 507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544,
    ],
    "date__gt=2027-12-31": [501, 596, 507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544],
    "date__lt=2001-03-23T05:50:00Z": [101],
    "date__lt=2001-03-23T07:50:00%2B02:00": [101],
    "date__lte=2001-03-23T05:50:00Z": [101, 263],
    "date__lte=2001-03-23T07:50:00%2B02:00": [101, 263],
    "date__lte=2001-03-23T05:50:00": [101, 263],
    "date__lt=2004-01-04": [101, 263],
    "date__lte=2004-01-04T04:35:00": [101, 263, 355],
    "date__gte=2035-01-01": [],

    "last_updated__gte=2026-11-25T00:00:00Z": [461, 463],
    "last_updated__gte=2026-11-25T01:00:00%2B01:00": [461, 463],
    "last_updated__gte=2026-11-25T00:00:00": [461, 463],
    "last_updated__gte=2026-11-25": [461, 463],
    "last_updated__gte=2026-11-25T21:14:08Z": [463],
    "last_updated__lte=2020-11-05T16:45:10Z": [263, 138, 145, 149],
    "last_updated__lte=2020-11-05T11:45:10-05:00": [263, 138, 145, 149],
    "last_updated__lte=2020-11-05T16:45:10": [263, 138, 145, 149],
    "last_updated__lte=2020-11-06": [263, 266, 271, 138, 145, 149],
    "last_updated__lte=2020-01-01": [],

    # Repeated, any-of.
    "program=17&program=25": [
        101, 104, 109, 111, 118, 122, 266, 131, 136, 271, 128, 138, 149, 344, 347, 158, 163, 176, 561, 192,
        569, 199, 209, 571, 290, 293, 217, 219, 226, 236, 239, 244, 352, 334, 582, 338, 246, 298, 497, 596,
        253, 257,
    ],
    "program=31": [300, 551, 307, 311, 317, 320, 325, 327, 334, 338],
    "program=29&program=30&program=29": [399, 426, 429, 443],

    "search=HTV": [111, 128, 149, 244, 352],
    "search=hTv": [111, 128, 149, 244, 352],
    "search=flight starship": [307, 311, 325, 327],
    "search=starship flight": [307, 311, 325, 327],
    "search=crew DRAGON": [131, 136, 138, 145, 158],
    "search=FLYBY lucy": [416, 447, 483, 488, 501, 507, 534],
    "search=starship lucy": [],

    # Different parameters combine with AND.
    "agency__ids=121&program__ids=25": [334, 338, 298, 497],
    "type__ids=8&year=2027": [483, 488],
    "agency__ids=27&expedition__ids=72,73&video_url=https://plus.nasa.gov/": [239],
    "month=12&day=31&search=artemis": [298, 497],
    "date__gte=2020-01-01&date__lt=2021-01-01&type=13": [149],
    "agency__ids=63&program=17&spacestation__ids=4,18&search=soyuz": [101, 176, 209],

    # Ordering by each field both ways; id breaks ties (2027-02-28 and 2027-12-31) unless a key does.
    "year=2027&ordering=date": [474, 480, 334, 582, 578, 483, 488, 338, 246, 298, 490, 497],
    "year=2027&ordering=-date": [246, 298, 490, 497, 338, 488, 483, 578, 582, 334, 474, 480],
    "year=2027&ordering=last_updated": [578, 483, 488, 490, 246, 334, 338, 298, 497, 582, 474, 480],
    "year=2027&ordering=-last_updated": [480, 474, 582, 497, 298, 338, 334, 246, 490, 488, 483, 578],
    "year=2027&ordering=-date,last_updated": [490, 246, 298, 497, 338, 488, 483, 578, 582, 334, 474, 480],
    "year=2027&ordering=-date,-last_updated": [497, 298, 246, 490, 338, 488, 483, 578, 582, 334, 480, 474],
    "year=2027&ordering=last_updated,date": [578, 483, 488, 490, 246, 334, 338, 298, 497, 582, 474, 480],
    "date__gte=2031-01-01&ordering=-date": [544, 537, 542, 257],

    # Every event, ordered by each field both ways.
    "ordering=-date": [
        544, 537, 542, 257, 528, 534, 253, 524, 517, 515, 591, 510, 588, 507, 596, 501, 246, 298, 490, 497,
        338, 488, 483, 578, 582, 334, 474, 480, 463, 470, 605, 461, 598, 456, 453, 352, 244, 239, 447, 236,
        230, 226, 219, 217, 443, 436, 293, 290, 284, 571, 212, 327, 280, 209, 203, 199, 569, 434, 192, 325,
        429, 564, 426, 420, 416, 320, 409, 190, 561, 317, 185, 182, 555, 407, 176, 172, 165, 163, 158, 273,
        155, 311, 347, 402, 344, 307, 149, 145, 138, 128, 271, 551, 300, 136, 131, 399, 393, 389, 382, 380,
        266, 375, 122, 118, 372, 111, 109, 104, 366, 362, 353, 355, 263, 101,
    ],
    "ordering=last_updated": [
        138, 145, 149, 263, 266, 271, 353, 355, 362, 366, 372, 380, 307, 344, 382, 393, 402, 128, 300, 551,
        347, 101, 104, 109, 111, 311, 389, 158, 399, 176, 118, 122, 131, 136, 163, 375, 407, 555, 155, 165,
        172, 273, 317, 561, 190, 182, 185, 409, 320, 416, 420, 426, 564, 578, 192, 325, 429, 434, 569, 199,
        203, 209, 280, 327, 544, 571, 542, 284, 290, 293, 528, 436, 443, 217, 219, 226, 230, 596, 236, 447,
        483, 488, 501, 507, 534, 212, 515, 591, 490, 239, 246, 334, 338, 253, 257, 244, 298, 497, 588, 598,
        605, 352, 453, 517, 582, 456, 510, 537, 524, 470, 474, 480, 461, 463,
    ],
    "ordering=-last_updated": [
        463, 461, 480, 474, 470, 524, 537, 510, 456, 582, 517, 453, 352, 605, 598, 588, 497, 298, 244, 257,
        253, 338, 334, 246, 239, 490, 591, 515, 212, 534, 507, 501, 488, 483, 447, 236, 596, 230, 226, 219,
        217, 443, 436, 528, 293, 290, 284, 542, 571, 544, 327, 280, 209, 203, 199, 569, 434, 429, 325, 192,
        578, 564, 426, 420, 416, 320, 409, 185, 182, 190, 561, 317, 273, 172, 165, 155, 555, 407, 375, 163,
        136, 131, 122, 118, 176, 399, 158, 389, 311, 111, 109, 104, 101, 347, 551, 300, 128, 402, 393, 382,
        344, 307, 380, 372, 366, 362, 355, 353, 271, 266, 263, 149, 145, 138,
    ],

    # Only on upcoming; elsewhere an unknown parameter, ignored.
    "hide_recent_previous=true&year=2026": [352, 453, 456, 598, 461, 605, 463, 470],
    "hide_recent_previous=0&year=2026": [352, 453, 456, 598, 461, 605, 463, 470],
}
# fmt: on


def case_params(query):
    return parse_qsl(query, strict_parsing=True) if query else []


@pytest.mark.parametrize(("query", "expected"), CASES.items(), ids=[query or "(none)" for query in CASES])
def test_pinned_result_on_the_events_route(all_fixtures, client, query, expected):
    params = case_params(query)
    assert oracle(EVENTS_ROUTE, params, timezone.now()) == expected  # no window: any "now" will do
    assert fetch_all(client, EVENTS_ROUTE, params) == (expected, len(expected))


# On /2.3.0/events/ (no window), test_pinned_result_on_the_events_route already checks the API and the
# oracle against the same literal list.
@pytest.mark.parametrize("route", [UPCOMING_ROUTE, PREVIOUS_ROUTE])
@pytest.mark.parametrize("query", CASES, ids=[query or "(none)" for query in CASES])
def test_every_route_agrees_with_the_oracle(all_fixtures, client, route, query):
    params = case_params(query)
    expected = oracle(route, params, stable_now())
    assert fetch_all(client, route, params) == (expected, len(expected))


def test_search_is_case_insensitive_beyond_ascii(all_fixtures, client):
    for term in ("Союз", "союз", "СОЮЗ"):
        assert oracle(EVENTS_ROUTE, [("search", term)], timezone.now()) == [101, 209]
        assert fetch_all(client, EVENTS_ROUTE, [("search", term)]) == ([101, 209], 2)


# --- Many-to-many: each event once ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "shared", "count"),
    [
        ("agency__ids=44,121,37", 217, 84),
        ("expedition__ids=163,164", 182, 3),
        ("spacestation__ids=4,18", 209, 38),
        ("program__ids=17,10", 569, 36),
        ("program=17&program=10", 569, 36),
        ("launch__ids=7b513580-c1ff-42bb-a162-74342291e2fe,3a8d739a-a1da-44f8-9894-fbcb60f340c8", 209, 3),
        ("video_url=https://www.youtube.com/@NASA,https://plus.nasa.gov/", 192, 20),
    ],
)
def test_an_event_matching_several_of_the_values_is_listed_once(all_fixtures, client, query, shared, count):
    params = case_params(query)
    values = {value for _name, value in params for value in value.split(",")}
    related = {
        "agency__ids": ("agencies", "id"),
        "expedition__ids": ("expeditions", "id"),
        "spacestation__ids": ("spacestations", "id"),
        "program__ids": ("program", "id"),
        "program": ("program", "id"),
        "launch__ids": ("launches", "id"),
        "video_url": ("vid_urls", "url"),
    }
    key, field = related[params[0][0]]
    # The shared event really has several of the values, and the joined rows outnumber the events.
    assert len({str(item[field]) for item in EVENTS[shared][key]} & values) >= 2
    assert sum(len({str(item[field]) for item in event[key]} & values) for event in EVENTS.values()) > count

    ids, total = fetch_all(client, EVENTS_ROUTE, params)
    assert total == count == len(set(ids))
    assert ids.count(shared) == 1
    for limit in ("1", "7"):
        page = client.get(url(EVENTS_ROUTE, [*params, ("mode", "list"), ("limit", limit)])).json()
        assert page["count"] == count
        assert len(page["results"]) == min(int(limit), count)


# --- The windows of upcoming and previous, at a frozen "now" -------------------------------------------

# 461 is on 2026-11-30, 463 and 470 at 2026-12-31T00:00:00Z, 474 on 2027-02-28.
WINDOW_IDS = [("id", "461,463,470,474")]


@pytest.fixture
def freeze(monkeypatch):
    """Sets the time every request reads as "now"."""

    def freeze_at(text):
        now = datetime.datetime.fromisoformat(text)
        monkeypatch.setattr(timezone, "now", lambda: now)
        return now

    return freeze_at


@pytest.mark.parametrize(
    ("now", "route", "query", "expected"),
    [
        # Twelve hours after 463 and 470: still upcoming unless hidden, and already previous.
        ("2026-12-31T12:00:00Z", EVENTS_ROUTE, "", [461, 463, 470, 474]),
        ("2026-12-31T12:00:00Z", UPCOMING_ROUTE, "", [463, 470, 474]),
        ("2026-12-31T12:00:00Z", UPCOMING_ROUTE, "hide_recent_previous=true", [474]),
        ("2026-12-31T12:00:00Z", PREVIOUS_ROUTE, "", [463, 470, 461]),
        ("2026-12-31T12:00:00Z", PREVIOUS_ROUTE, "ordering=date", [461, 463, 470]),
        # At their very instant: upcoming even when hiding the recent ones, not yet previous.
        ("2026-12-31T00:00:00Z", UPCOMING_ROUTE, "hide_recent_previous=true", [463, 470, 474]),
        ("2026-12-31T00:00:00Z", PREVIOUS_ROUTE, "", [461]),
        # Exactly 24 hours later they are still upcoming; a microsecond more and they are not.
        ("2027-01-01T00:00:00Z", UPCOMING_ROUTE, "", [463, 470, 474]),
        ("2027-01-01T00:00:00Z", UPCOMING_ROUTE, "hide_recent_previous=1", [474]),
        ("2027-01-01T00:00:00Z", PREVIOUS_ROUTE, "", [463, 470, 461]),
        ("2027-01-01T00:00:00.000001Z", UPCOMING_ROUTE, "", [474]),
        ("2027-01-01T00:00:00.000001Z", UPCOMING_ROUTE, "hide_recent_previous=0", [474]),
    ],
)
def test_windows_at_their_edges(all_fixtures, client, freeze, now, route, query, expected):
    params = [*WINDOW_IDS, *case_params(query)]
    assert oracle(route, params, freeze(now)) == expected
    assert fetch_all(client, route, params) == (expected, len(expected))


@pytest.mark.parametrize(
    ("value", "hidden"),
    [
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("1", True),
        ("false", False),
        ("FALSE", False),
        ("0", False),
    ],
)
def test_hide_recent_previous_values(all_fixtures, client, freeze, value, hidden):
    now = freeze("2026-12-31T12:00:00Z")
    params = [*WINDOW_IDS, ("hide_recent_previous", value)]
    upcoming = [474] if hidden else [463, 470, 474]
    assert oracle(UPCOMING_ROUTE, params, now) == upcoming
    assert fetch_all(client, UPCOMING_ROUTE, params) == (upcoming, len(upcoming))
    # Elsewhere it is no parameter at all.
    assert fetch_all(client, EVENTS_ROUTE, params) == ([461, 463, 470, 474], 4)
    assert fetch_all(client, PREVIOUS_ROUTE, params) == ([463, 470, 461], 3)


def test_now_is_read_per_request(all_fixtures, client, freeze):
    freeze("2026-12-31T12:00:00Z")
    assert fetch_all(client, UPCOMING_ROUTE, WINDOW_IDS) == ([463, 470, 474], 3)
    assert fetch_all(client, PREVIOUS_ROUTE, WINDOW_IDS) == ([463, 470, 461], 3)
    freeze("2027-01-01T12:00:00Z")
    assert fetch_all(client, UPCOMING_ROUTE, WINDOW_IDS) == ([474], 1)
    freeze("2026-11-29T00:00:00Z")
    assert fetch_all(client, UPCOMING_ROUTE, WINDOW_IDS) == ([461, 463, 470, 474], 4)
    assert fetch_all(client, PREVIOUS_ROUTE, WINDOW_IDS) == ([], 0)


# --- Bad values -----------------------------------------------------------------------------------------

ORDERING_ERROR = "Unknown ordering field(s): {}. Valid: date, -date, last_updated, -last_updated."


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("program=9999", {"program": ["Select a valid choice. 9999 is not one of the available choices."]}),
        (
            "program=17&program=9999",
            {"program": ["Select a valid choice. 9999 is not one of the available choices."]},
        ),
        ("ordering=name", {"ordering": [ORDERING_ERROR.format("name")]}),
        ("ordering=-date,name", {"ordering": [ORDERING_ERROR.format("name")]}),
        ("ordering=-id", {"ordering": [ORDERING_ERROR.format("-id")]}),
        ("type=1,2", {"type": ["Enter a whole number."]}),
        ("date__gte=yesterday", {"date__gte": ["Enter a valid date/time."]}),
    ],
)
def test_bad_values_are_a_400_naming_the_parameter(all_fixtures, client, route, query, body):
    response = client.get(url(route, case_params(query)))
    assert response.status_code == 400
    assert response.json() == body


def test_hide_recent_previous_must_be_a_boolean(all_fixtures, client):
    response = client.get(url(UPCOMING_ROUTE, [("hide_recent_previous", "yes")]))
    assert response.status_code == 400
    assert response.json() == {"hide_recent_previous": ["Enter true, false, 1 or 0."]}


# --- Pages ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_ten_results_by_default(all_fixtures, client, route):
    expected = oracle(route, [], stable_now())
    page = client.get(url(route, [("mode", "list")])).json()
    assert [event["id"] for event in page["results"]] == expected[:10]
    assert page["count"] == len(expected)
    assert page["previous"] is None
    assert page["next"] == (
        f"http://testserver{route}?format=json&limit=10&mode=list&offset=10" if len(expected) > 10 else None
    )


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("limit", "offset"), [("5", "3"), ("1", "0"), ("100", "13"), ("7", "200")])
def test_limit_and_offset(all_fixtures, client, route, limit, offset):
    params = [("ordering", "-last_updated"), ("limit", limit), ("offset", offset)]
    expected = oracle(route, params, stable_now())
    page = client.get(url(route, [*params, ("mode", "list")])).json()
    start = int(offset)
    assert [event["id"] for event in page["results"]] == expected[start : start + int(limit)]
    assert page["count"] == len(expected)
    assert (page["next"] is None) == (start + int(limit) >= len(expected))
    assert (page["previous"] is None) == (start == 0)


def test_limit_above_100_is_clamped(all_fixtures, client):
    page = client.get(url(EVENTS_ROUTE, [("limit", "1000"), ("mode", "list")])).json()
    assert page["count"] == 114
    assert [event["id"] for event in page["results"]] == CASES[""][:100]
    assert page["next"] == "http://testserver/2.3.0/events/?format=json&limit=100&mode=list&offset=100"
    page = client.get(page["next"]).json()
    last = [507, 588, 510, 591, 515, 517, 524, 253, 534, 528, 257, 537, 542, 544]
    assert [event["id"] for event in page["results"]] == last == CASES[""][100:]
    assert page["next"] is None
    assert page["previous"] == "http://testserver/2.3.0/events/?format=json&limit=100&mode=list"


# --- Queries --------------------------------------------------------------------------------------------

# A `mode=detailed` page: the data state, the count, the page, the data state again.
DETAILED_QUERIES = STATE_READS + 1 + PAGE_QUERIES


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("agency__ids=80&id=192", 1),
        ("agency__ids=80&year=2024&month=8", 1),
        ("agency__ids=80", 4),
        ("agency__ids=44", 67),
        ("agency__ids=44,121,37", 84),
        ("expedition__ids=63&type=1", 1),
        ("expedition__ids=71&id=569", 1),
        ("expedition__ids=72", 8),
        ("expedition__ids=72,161,163,164,63,71", 21),
        ("launch__ids=bc7d3408-9af9-41fb-89a2-783e4be9a5da&year=2025", 3),
        ("launch__ids=bc7d3408-9af9-41fb-89a2-783e4be9a5da", 7),
    ],
)
def test_query_count_does_not_depend_on_how_many_events_match(
    all_fixtures, client, django_assert_num_queries, query, count
):
    with django_assert_num_queries(DETAILED_QUERIES):
        response = client.get(
            url(EVENTS_ROUTE, [*case_params(query), ("mode", "detailed"), ("limit", "100")])
        )
    assert response.json()["count"] == count == len(response.json()["results"])
