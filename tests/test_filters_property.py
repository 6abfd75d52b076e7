"""Random queries on the events routes against the plain-Python oracle (tests/oracle.py).

Each example draws a route, up to four filters (values that occur in fixtures/ and some that do not), an
optional search and ordering, and a page; the API's ids, in order, and its `count` must be the oracle's.
"""

import contextlib
import datetime
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .oracle import EVENTS, ROUTES, UTC, oracle, stable_now, url

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def occurring(key, field="id"):
    return sorted({item[field] for event in EVENTS.values() for item in event[key]})


def when(text):
    return datetime.datetime.fromisoformat(text)


MISSING = 999999
UNKNOWN_LAUNCH = "00000000-0000-0000-0000-000000000000"
# Every value of each filter that occurs in fixtures/, and some that do not.
POOLS = {
    "agency__ids": [*occurring("agencies"), MISSING],
    "expedition__ids": [*occurring("expeditions"), MISSING],
    "spacestation__ids": [*occurring("spacestations"), MISSING],
    "program__ids": [*occurring("program"), MISSING],
    "launch__ids": [*occurring("launches"), UNKNOWN_LAUNCH],
    "id": [*sorted(EVENTS), 1, MISSING],
    "type__ids": [*sorted({event["type"]["id"] for event in EVENTS.values()}), 99],
    "slug": [*sorted(event["slug"] for event in EVENTS.values()), "htv-x1", "no-such-event"],
    "video_url": [*occurring("vid_urls", "url"), "https://example.com/no-such-video"],
    "day": list(range(1, 32)),
    "month": list(range(1, 13)),
    "year": [*sorted({when(event["date"]).year for event in EVENTS.values()}), 1999, 2040],
}
POOLS["type"] = POOLS["type__ids"]
PROGRAMS = occurring("program")  # `program` must name existing programs: an unknown one is a 400
INSTANTS = sorted({when(event[key]) for event in EVENTS.values() for key in ("date", "last_updated")})
DATE_FILTERS = ["date__gt", "date__gte", "date__lt", "date__lte", "last_updated__gte", "last_updated__lte"]
OFFSETS = [datetime.timezone(datetime.timedelta(minutes=minutes)) for minutes in (-720, -300, 120, 330, 840)]
NUDGES = [
    datetime.timedelta(seconds=seconds) for seconds in (0, 0, 1, -1, 3600, -3600, 86400 * 30, -86400 * 30)
]

# Words of the names that DRF's search takes as they are: no quotes, commas or non-ASCII letters.
SEARCHABLE = re.compile(r"[A-Za-z0-9()+.\-]+")
WORDS = sorted(
    {word for event in EVENTS.values() for word in event["name"].split() if SEARCHABLE.fullmatch(word)}
)


def own_values(event, name):
    """The values of filter `name` that match `event`."""
    date = when(event["date"])
    related = {
        "agency__ids": "agencies",
        "expedition__ids": "expeditions",
        "spacestation__ids": "spacestations",
        "program__ids": "program",
        "launch__ids": "launches",
    }
    if name in related:
        return [item["id"] for item in event[related[name]]]
    return {
        "id": [event["id"]],
        "type__ids": [event["type"]["id"]],
        "type": [event["type"]["id"]],
        "slug": [event["slug"]],
        "video_url": [video["url"] for video in event["vid_urls"]],
        "day": [date.day],
        "month": [date.month],
        "year": [date.year],
    }[name]


def values(own, pool):
    """Mostly a value of `own` (the seed event's, so that a filter often matches), else one of `pool`."""
    if not own:
        return st.sampled_from(pool)
    return st.integers(0, 7).flatmap(lambda n: st.sampled_from(pool if n == 0 else own))


@st.composite
def instant_texts(draw, event, name):
    """An instant for filter `name`: mostly just on the side of the seed event's date or last update that
    the filter keeps (or exactly on it), else any event's, or anywhere; in one of the forms the API reads:
    with Z, with an offset, naive (UTC), or a date alone (that day's or the next day's midnight)."""
    own = when(event[name.partition("__")[0]]) + draw(st.sampled_from(NUDGES)) * (-1 if "__gt" in name else 1)
    value = draw(
        st.one_of(
            st.just(own),
            st.just(own),
            st.sampled_from(INSTANTS),  # exactly an event's date or last update: the edge of a comparison
            st.datetimes(
                min_value=datetime.datetime(1999, 1, 1),
                max_value=datetime.datetime(2036, 12, 31),
                timezones=st.just(UTC),
            ).map(lambda value: value.replace(microsecond=0)),
        )
    ).astimezone(UTC)
    form = draw(st.sampled_from(["Z", "offset", "naive", "date"]))
    if form == "Z":
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == "offset":
        return value.astimezone(draw(st.sampled_from(OFFSETS))).isoformat()
    if form == "naive":
        return value.replace(tzinfo=None).isoformat()
    return (value.date() + datetime.timedelta(days=draw(st.sampled_from([0, 1])))).isoformat()


@st.composite
def filter_value(draw, event, name):
    if name in DATE_FILTERS:
        return draw(instant_texts(event, name))
    strategy = values(own_values(event, name), POOLS[name])
    if name in ("type", "slug"):  # one value
        return str(draw(strategy))
    items = draw(st.lists(strategy, min_size=1, max_size=4))  # any-of, repeats allowed
    if name == "launch__ids":
        items = [draw(st.sampled_from([item, item.upper()])) for item in items]
    return ",".join(map(str, items))


@st.composite
def search_terms(draw, event):
    """One or two words of the seed event's name or any name, or parts of them, in any case."""
    terms = []
    own = [word for word in event["name"].split() if SEARCHABLE.fullmatch(word)]
    for word in draw(st.lists(values(own, WORDS), min_size=1, max_size=2)):
        start = draw(st.integers(0, len(word) - 1))
        end = draw(st.integers(start + 1, len(word)))
        part = draw(st.sampled_from([word, word[start:end]]))
        terms.append(draw(st.sampled_from([part, part.lower(), part.upper()])))
    return draw(st.sampled_from([" ", "  "])).join(terms)


# One or both fields, each once, either way.
orderings = st.lists(st.sampled_from(["date", "last_updated"]), min_size=1, max_size=2, unique=True).flatmap(
    lambda fields: st.tuples(*(st.sampled_from([field, f"-{field}"]) for field in fields)).map(",".join)
)


# A frozen "now" is the seed event's date, or 24 hours later (the end of its time in upcoming), exactly or
# a microsecond either side; or 12 hours later.
EDGES = [
    datetime.timedelta(hours=hours, microseconds=microseconds)
    for hours in (0, 24)
    for microseconds in (0, 0, -1, 1)
] + [datetime.timedelta(hours=12)]


@st.composite
def requests(draw):
    """A route; "now": None for the real time, or frozen next to an edge of the seed event's window; and
    0 to 4 filters, maybe a search and maybe an ordering, as (name, value) pairs.

    The values lean towards those of one seed event (one the route lists, at the real time), so that the
    combinations often match something.
    """
    route = draw(st.sampled_from(ROUTES))
    if draw(st.booleans()):
        event = EVENTS[draw(st.sampled_from(sorted(EVENTS)))]
        now = when(event["date"]) + draw(st.sampled_from(EDGES))
    else:
        event = EVENTS[draw(st.sampled_from(oracle(route, [], timezone.now()) or sorted(EVENTS)))]
        now = None
    params = []
    if draw(st.booleans()):  # only upcoming has it; the others ignore it, as any name they do not know
        params.append(
            ("hide_recent_previous", draw(st.sampled_from(["true", "false", "1", "0", "TRUE", "False"])))
        )
    names = [*POOLS, *DATE_FILTERS, "program"]
    for name in draw(st.lists(st.sampled_from(names), max_size=4 - len(params), unique=True)):
        if name == "program":
            programs = draw(
                st.lists(values(own_values(event, "program__ids"), PROGRAMS), min_size=1, max_size=3)
            )
            params += [("program", str(program)) for program in programs]
        else:
            params.append((name, draw(filter_value(event, name))))
    if draw(st.booleans()):
        params.append(("search", draw(search_terms(event))))
    if draw(st.booleans()):
        params.append(("ordering", draw(orderings)))
    return route, now, params


@contextlib.contextmanager
def now_at(frozen):
    """The "now" of the requests inside: the real time if `frozen` is None."""
    if frozen is None:
        yield stable_now()
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: frozen)
        yield frozen


def ids(page):
    return [event["id"] for event in page["results"]]


@SETTINGS
@given(request=requests(), limit=st.integers(1, 120), offset=st.integers(0, 130))
def test_any_query_and_page_match_the_oracle(all_fixtures, client, request, limit, offset):
    route, now, params = request
    with now_at(now) as now:
        expected = oracle(route, params, now)
        response = client.get(url(route, [*params, ("mode", "list"), ("limit", limit), ("offset", offset)]))
    assert response.status_code == 200, response.content
    page = response.json()
    size = min(limit, 100)
    assert page["count"] == len(expected)
    assert ids(page) == expected[offset : offset + size]
    assert (page["next"] is None) == (offset + size >= len(expected))
    assert (page["previous"] is None) == (offset == 0)


# The most pages one example follows. Uncapped, walks of up to 114 pages (of 1 event) made this the slowest
# test by far (about a minute); a capped walk follows the same `next` links over fewer offsets, and the test
# above checks a page at any offset.
MAX_PAGES = 8


@SETTINGS
@given(request=requests(), data=st.data())
def test_next_pages_give_every_match_once_in_order(all_fixtures, client, request, data):
    route, now, params = request
    with now_at(now) as now:
        expected = oracle(route, params, now)
        # Pages of 1 to 15 events, but no more than MAX_PAGES pages (all 114 events: pages of 15).
        limit = data.draw(st.integers(max(1, -(-len(expected) // MAX_PAGES)), 15), label="limit")
        page = client.get(url(route, [*params, ("mode", "list"), ("limit", limit)])).json()
        seen = ids(page)
        while page["next"] is not None:
            assert len(seen) < len(expected)  # a page past the last match would have no `next`
            page = client.get(page["next"]).json()
            assert page["count"] == len(expected)
            seen += ids(page)
    assert seen == expected
    assert len(set(seen)) == len(seen)
