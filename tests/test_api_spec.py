"""Every event on every route, in every mode, is what LL2's OpenAPI document says it is."""

import pytest

from .spec import assert_matches_schema

SCHEMAS = {"list": "EventEndpointList", "normal": "EventEndpointNormal", "detailed": "EventEndpointDetailed"}


@pytest.mark.parametrize("mode", SCHEMAS)
@pytest.mark.parametrize("route", ["/2.3.0/events/", "/2.3.0/events/upcoming/", "/2.3.0/events/previous/"])
def test_every_listed_event_matches_the_spec(all_fixtures, client, route, mode):
    url, seen = f"{route}?mode={mode}&limit=100&format=json", 0
    while url:
        page = client.get(url).json()
        assert_matches_schema(page, "PaginatedPolymorphicEventsEndpointList")
        for event in page["results"]:
            assert_matches_schema(event, SCHEMAS[mode])
            detail = client.get(f"{route}{event['id']}/?mode={mode}&format=json").json()
            assert detail == event
        seen += len(page["results"])
        url = page["next"]
    assert seen == page["count"] > 0
