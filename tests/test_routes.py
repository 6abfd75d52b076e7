"""Routes resolve the same whatever order the apps register in; each view's help text is its own."""

import random

import pytest
from django.test.utils import override_script_prefix
from django.urls import Resolver404
from django.urls.resolvers import RegexPattern, URLResolver

from spacedevs.urls import ROUTES, api_router

LAUNCH = "8c2412ae-fbef-443f-aae8-db538f38eec6"
PATHS = [
    "events/",
    "events/352/",
    "events/upcoming/",
    "events/upcoming/352/",
    "events/previous/",
    "events/previous/352/",
    "agencies/37/",
    f"launches/{LAUNCH}/",
    "programs/17/",
    "space_stations/4/",
    "expeditions/1/",
    "spacewalks/1/",
    "astronauts/1/",
    "config/event_types/13/",
]
NOT_IDS = ["events/upcoming1/", "events/-1/", "events/1e3/", "launches/not-a-uuid/", "config/event_types/x/"]


def resolver_for(routes):
    return URLResolver(RegexPattern(r"^/"), api_router(routes).urls)


def resolved(resolver, path):
    match = resolver.resolve(f"/{path}")
    return match.func.cls, match.func.actions, match.kwargs


ORDERS = {
    "as listed": ROUTES,
    "reversed": ROUTES[::-1],
    **{f"shuffled {seed}": random.Random(seed).sample(ROUTES, len(ROUTES)) for seed in range(3)},
}


@pytest.mark.parametrize("order", ORDERS)
def test_every_order_serves_the_same_urls(order):
    expected, actual = resolver_for(ROUTES), resolver_for(ORDERS[order])
    for path in PATHS:
        assert resolved(actual, path) == resolved(expected, path), path
    for path in NOT_IDS:
        with pytest.raises(Resolver404):
            actual.resolve(f"/{path}")


def test_upcoming_and_previous_are_never_ids():
    resolver = resolver_for(ROUTES[::-1])
    view, actions, kwargs = resolved(resolver, "events/upcoming/")
    assert (view.__name__, actions["get"], kwargs) == ("UpcomingEventViewSet", "list", {})
    view, actions, kwargs = resolved(resolver, "events/previous/352/")
    assert (view.__name__, actions["get"], kwargs) == ("PreviousEventViewSet", "retrieve", {"pk": "352"})


def help_text(client, path, **extra):
    page = client.get(f"{path}?format=api", **extra).content.decode()
    return page.split('<div class="pull-left">', 1)[1].split('<div class="request-info"', 1)[0]


@pytest.mark.django_db
def test_help_text_is_built_from_each_views_own_attributes(client):
    agencies = help_text(client, "/2.3.0/agencies/")
    assert "Agencies, in LL2" in agencies
    assert "Levels of detail in the response - <code>list</code>" in agencies
    assert '<a href="/2.3.0/agencies/?mode=list">/agencies/?mode=list</a>' in agencies
    assert "Filters" not in agencies and "Search" not in agencies and "Ordering" not in agencies
    lookups = help_text(client, "/2.3.0/config/event_types/")
    assert "Fields searched - <code>name</code>" in lookups
    assert "Fields - <code>id</code>, <code>name</code>" in lookups
    assert (
        '<a href="/2.3.0/config/event_types/?ordering=-name">/config/event_types/?ordering=-name</a>'
        in lookups
    )
    assert "Modes" not in lookups
    events = help_text(client, "/events/previous/")
    assert "Past events, latest first." in events
    assert '<a href="/2.3.0/events/previous/?type__ids=2,8">/events/previous/?type__ids=2,8</a>' in events
    assert '<a href="/2.3.0/events/previous/?search=Flyby">/events/previous/?search=Flyby</a>' in events
    assert "(max 100)" in events
    assert "hide_recent_previous" not in events
    with override_script_prefix("/mirror/"):  # as Django's handler sets it from SCRIPT_NAME
        mirrored = help_text(client, "/events/previous/", SCRIPT_NAME="/mirror")
    assert (
        '<a href="/mirror/2.3.0/events/previous/?search=Flyby">/mirror/events/previous/?search=Flyby</a>'
        in mirrored
    )
