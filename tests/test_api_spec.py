"""Every event on every route, in every mode, is what LL2's OpenAPI document says it is."""

import pytest
from jsonschema import ValidationError

from .spec import MODE_SCHEMAS, assert_matches_schema

ROUTES = ["/2.3.0/events/", "/2.3.0/events/upcoming/", "/2.3.0/events/previous/"]
JSON = "application/json"


@pytest.mark.parametrize("mode", MODE_SCHEMAS)
@pytest.mark.parametrize("route", ROUTES)
def test_every_listed_event_matches_the_spec(fixture_event_documents, client, route, mode):
    url, seen = f"{route}?mode={mode}&limit=100", 0
    while url:
        page = client.get(url, HTTP_ACCEPT=JSON).json()
        # Each event is checked against the schema its response_mode names (the spec's discriminator), so
        # against its mode's schema once its response_mode is the mode asked for.
        assert_matches_schema(page, "PaginatedPolymorphicEventsEndpointList")
        for event in page["results"]:
            assert event["response_mode"] == mode
            if (route, mode) == ("/2.3.0/events/", "detailed"):
                # /2.3.0/events/{id}/ in its default mode, detailed: fetched once for the tests that read it.
                detail = fixture_event_documents[event["id"]]
            else:
                detail = client.get(f"{route}{event['id']}/?mode={mode}", HTTP_ACCEPT=JSON).json()
            assert detail == event
        seen += len(page["results"])
        url = page["next"]
    assert seen == page["count"] > 0


def test_urls_are_held_to_rfc_3986(fixture_event_documents):
    """The checks above hold every URL to `format: uri`, which jsonschema checks only with rfc3986-validator
    installed (without it, any string passed): an IRI, with its non-ASCII path, is no URI."""
    event = fixture_event_documents[352] | {"url": "https://example.org/ГК/"}
    with pytest.raises(ValidationError, match="is not a 'uri'"):
        assert_matches_schema(event, "EventEndpointDetailed")
