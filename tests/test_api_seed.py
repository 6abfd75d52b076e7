"""The real LL2 seed response, reproduced exactly after import."""

import json
import re

import pytest
from rest_framework.renderers import JSONRenderer

from .conftest import SEED, fixture_events
from .spec import assert_matches_schema

pytestmark = pytest.mark.usefixtures("seeded")
HOST = re.compile(r"^https?://[^/]+/")


def without_hosts(value):
    """`value` with the scheme and host of every `url` removed: the one thing allowed to differ."""
    if isinstance(value, dict):
        return {
            key: HOST.sub("/", item) if key == "url" else without_hosts(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [without_hosts(item) for item in value]
    return value


def assert_same_json(actual, expected):
    """Equal values and, at every level, the same keys in the same order."""
    assert json.dumps(without_hosts(actual)) == json.dumps(without_hosts(expected))


def test_detailed_seed_event_is_reproduced_exactly_in_the_browsable_api(client):
    response = client.get("/2.3.0/events/352/?format=api")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    rendered = json.loads(JSONRenderer().render(response.data))
    assert_same_json(rendered, json.loads(SEED.read_text()))
    assert "https://lldev.thespacedevs.com" not in response.content.decode()
    assert "/2.3.0/agencies/37/?format=api" in response.content.decode()


def test_detailed_seed_event_as_json(client):
    response = client.get("/2.3.0/events/352/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"] == "application/json"
    expected = json.loads(SEED.read_text().replace("?format=api", ""))
    assert_same_json(response.json(), expected)
    assert response.json()["url"] == "http://testserver/2.3.0/events/352/"


def test_unversioned_route_links_to_the_canonical_form(client):
    response = client.get("/events/352/?format=json")
    assert response.json()["url"] == "http://testserver/2.3.0/events/352/?format=json"
    assert response.json()["launches"][0]["url"] == (
        "http://testserver/2.3.0/launches/8c2412ae-fbef-443f-aae8-db538f38eec6/?format=json"
    )


def test_the_unversioned_root_links_to_the_canonical_form(client):
    canonical = client.get("/2.3.0/?format=json").json()
    assert canonical["events"] == "http://testserver/2.3.0/events/?format=json"
    assert client.get("/?format=json").json() == canonical


@pytest.mark.parametrize(
    ("mode", "schema"),
    [("list", "EventEndpointList"), ("normal", "EventEndpointNormal"), ("detailed", "EventEndpointDetailed")],
)
def test_each_mode_matches_the_spec(client, mode, schema):
    detail = client.get(f"/2.3.0/events/352/?mode={mode}&format=json").json()
    assert detail["response_mode"] == mode
    assert_matches_schema(detail, schema)
    page = client.get(f"/2.3.0/events/?mode={mode}&format=json").json()
    assert_matches_schema(page, "PaginatedPolymorphicEventsEndpointList")
    assert page["results"] == [detail]


def test_every_fixture_event_round_trips_exactly(fixture_event_documents):
    # Each is GET /2.3.0/events/{id}/ as JSON: detailed, as every fixture event is.
    for event_id, source in fixture_events().items():
        expected = json.loads(json.dumps(source).replace("?format=api", ""))
        assert_same_json(fixture_event_documents[event_id], expected)
