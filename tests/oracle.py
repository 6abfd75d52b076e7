"""A plain-Python oracle of the events routes: the ids a route lists for a query, in order, read off the
fixture JSON alone (no project code). tests/test_filters.py and tests/test_filters_property.py check the
API against it.
"""

import datetime
import uuid
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from .conftest import fixture_events

EVENTS_ROUTE = "/2.3.0/events/"
UPCOMING_ROUTE = "/2.3.0/events/upcoming/"
PREVIOUS_ROUTE = "/2.3.0/events/previous/"
ROUTES = [EVENTS_ROUTE, UPCOMING_ROUTE, PREVIOUS_ROUTE]

EVENTS = fixture_events()
UTC = datetime.UTC
GRACE = datetime.timedelta(hours=24)
# How close to a window's edge (now, now - 24h) an event may be before "now" is too uncertain to test.
EDGE_MARGIN = datetime.timedelta(minutes=10)


def parse_instant(text):
    """An ISO 8601 query value as the API reads it: Z or an offset; naive is UTC; a date is midnight UTC."""
    value = datetime.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def date_of(event):
    return datetime.datetime.fromisoformat(event["date"])


def last_updated_of(event):
    return datetime.datetime.fromisoformat(event["last_updated"])


def integers(text):
    return {int(item) for item in text.split(",")}


def ids_in(items):
    return {item["id"] for item in items}


def any_of_ids(key):
    return lambda event, value: bool(ids_in(event[key]) & integers(value))


MATCHES = {
    "agency__ids": any_of_ids("agencies"),
    "expedition__ids": any_of_ids("expeditions"),
    "spacestation__ids": any_of_ids("spacestations"),
    "program__ids": any_of_ids("program"),
    "launch__ids": lambda event, value: bool(
        {uuid.UUID(launch["id"]) for launch in event["launches"]}
        & {uuid.UUID(item) for item in value.split(",")}
    ),
    "id": lambda event, value: event["id"] in integers(value),
    "type__ids": lambda event, value: event["type"]["id"] in integers(value),
    "type": lambda event, value: event["type"]["id"] == int(value),
    "slug": lambda event, value: event["slug"] == value,
    "video_url": lambda event, value: bool(
        {video["url"] for video in event["vid_urls"]} & set(value.split(","))
    ),
    "day": lambda event, value: date_of(event).astimezone(UTC).day in integers(value),
    "month": lambda event, value: date_of(event).astimezone(UTC).month in integers(value),
    "year": lambda event, value: date_of(event).astimezone(UTC).year in integers(value),
    "date__gt": lambda event, value: date_of(event) > parse_instant(value),
    "date__gte": lambda event, value: date_of(event) >= parse_instant(value),
    "date__lt": lambda event, value: date_of(event) < parse_instant(value),
    "date__lte": lambda event, value: date_of(event) <= parse_instant(value),
    "last_updated__gte": lambda event, value: last_updated_of(event) >= parse_instant(value),
    "last_updated__lte": lambda event, value: last_updated_of(event) <= parse_instant(value),
}
SORT_KEYS = {"date": date_of, "last_updated": last_updated_of, "id": lambda event: event["id"]}


def in_window(route, event, now, hide_recent):
    if route == UPCOMING_ROUTE:
        return date_of(event) >= (now if hide_recent else now - GRACE)
    if route == PREVIOUS_ROUTE:
        return date_of(event) < now
    return True


def oracle(route, params, now):
    """The ids `route` lists for the query `params` (a list of (name, value) pairs) at `now`, in order.

    Ignores `limit` and `offset`: the whole result, as `count` counts it.
    """
    hide_recent = False
    search, ordering, programs, filters = "", "", [], []
    for name, value in params:
        if name == "search":
            search = value
        elif name == "ordering":
            ordering = value
        elif name == "program":
            programs.append(int(value))
        elif name == "hide_recent_previous":
            if route == UPCOMING_ROUTE:  # an unknown parameter elsewhere, so ignored
                hide_recent = value.lower() in ("true", "1")
        elif name in MATCHES:
            filters.append((MATCHES[name], value))
    terms = [term.lower() for term in search.split()]
    selected = [
        event
        for event in EVENTS.values()
        if in_window(route, event, now, hide_recent)
        and all(match(event, value) for match, value in filters)
        and (not programs or ids_in(event["program"]) & set(programs))
        and all(term in event["name"].lower() for term in terms)
    ]
    keys = ordering.split(",") if ordering else ["-date" if route == PREVIOUS_ROUTE else "date"]
    if "id" not in [key.removeprefix("-") for key in keys]:
        keys.append("id")
    for key in reversed(keys):  # stable sorts, least significant key first
        selected.sort(key=SORT_KEYS[key.removeprefix("-")], reverse=key.startswith("-"))
    return [event["id"] for event in selected]


def stable_now():
    """The real time, if no fixture event is close enough to a window's edge for the request's own "now"
    (read a moment later) to put it on the other side; otherwise the test is skipped."""
    now = timezone.now()
    for event in EVENTS.values():
        for edge in (now, now - GRACE):
            if abs(date_of(event) - edge) < EDGE_MARGIN:
                pytest.skip(f"event {event['id']} is within {EDGE_MARGIN} of a window's edge right now")
    return now


def url(route, params):
    """The API's URL for `route` and the query `params` (a list of (name, value) pairs), as JSON."""
    return f"{route}?{urlencode([*params, ('format', 'json')])}"
