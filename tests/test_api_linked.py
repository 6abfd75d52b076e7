"""Every `url` inside an event resolves to that object; the config lookups are served as LL2 lists."""

import pytest

from config.serializers import LOOKUP_SERIALIZERS

from .spec import EVENTS_SPEC, PROGRAM_MINI_SPEC, assert_matches_schema

pytestmark = pytest.mark.usefixtures("seeded")


def linked_objects(value):
    """(url, object) for each API object in `value`, the top level included (video and info URLs are not)."""
    if isinstance(value, dict):
        if value.get("url", "").startswith("http://testserver/2.3.0/"):
            yield value["url"], value
        for item in value.values():
            yield from linked_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from linked_objects(item)


def test_every_url_in_the_seed_resolves_to_the_object_it_names(client):
    event = client.get("/2.3.0/events/352/?format=json").json()
    links = dict(linked_objects(event))
    assert len(links) == 9
    for url, embedded in links.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.json() == embedded, url


@pytest.mark.parametrize(
    ("route", "schema", "spec"),
    [
        ("agencies/?format=json", "AgencyMini", EVENTS_SPEC),
        ("launches/?format=json", "LaunchBasic", EVENTS_SPEC),
        ("programs/?format=json", "ProgramNormal", EVENTS_SPEC),
        ("programs/?mode=list&format=json", "ProgramMini", PROGRAM_MINI_SPEC),
        ("space_stations/?format=json", "SpaceStationNormal", EVENTS_SPEC),
    ],
)
def test_linked_resources_are_paginated_in_their_spec_form(client, route, schema, spec):
    page = client.get(f"/2.3.0/{route}").json()
    assert page["count"] >= 1
    for item in page["results"]:
        assert_matches_schema(item, schema, spec=spec)


@pytest.mark.parametrize("name", sorted(LOOKUP_SERIALIZERS))
def test_config_lookups_are_listed(client, name):
    response = client.get(f"/2.3.0/config/{name}/?format=json")
    assert response.status_code == 200
    assert list(response.json()) == ["count", "next", "previous", "results"]


def test_config_values(client):
    assert client.get("/2.3.0/config/net_precisions/?format=json").json()["results"] == [
        {"id": 0, "name": "Second", "abbrev": "SEC", "description": "The T-0 is accurate to the second."},
        {"id": 1, "name": "Minute", "abbrev": "MIN", "description": "The T-0 is accurate to the minute."},
    ]
    assert client.get("/2.3.0/config/event_types/13/?format=json").json() == {
        "id": 13,
        "name": "Spacecraft Release",
    }
    assert client.get("/2.3.0/config/languages/?format=json").json()["results"] == [
        {"id": 1, "name": "English", "code": "en"}
    ]


def test_api_root_lists_the_resources(client):
    root = client.get("/2.3.0/?format=json").json()
    assert root["events"] == "http://testserver/2.3.0/events/?format=json"
    assert root["config/event_types"] == "http://testserver/2.3.0/config/event_types/?format=json"


def test_browsable_api_shows_ll2_help_text(client):
    page = client.get("/2.3.0/events/upcoming/?format=api").content.decode()
    assert '<h5 id="modes">Modes</h5>' in page
    assert '<a href="/2.3.0/events/upcoming/?mode=list">/events/upcoming/?mode=list</a>' in page
    assert "<code>expedition__ids</code>, <code>hide_recent_previous</code>, <code>id</code>" in page


def test_every_url_in_every_fixture_event_resolves(fixture_event_documents, client):
    # url → what it serves, each fetched once; an event's own url is the one its document came from.
    served = {
        f"http://testserver/2.3.0/events/{event_id}/": document
        for event_id, document in fixture_event_documents.items()
    }
    # (url, object) for every linked object, repeats included.
    links = [link for document in fixture_event_documents.values() for link in linked_objects(document)]
    resources = {url.split("/")[4] for url, _embedded in links}
    assert resources == {
        "events",
        "agencies",
        "launches",
        "programs",
        "space_stations",
        "expeditions",
        "astronauts",
        "spacewalks",
    }
    for url, embedded in links:
        if url not in served:
            response = client.get(url, HTTP_ACCEPT="application/json")
            assert response.status_code == 200, url
            served[url] = response.json()
        assert served[url] == embedded, url


@pytest.mark.parametrize(
    ("resource", "schema"),
    [("expeditions", "ExpeditionNormal"), ("astronauts", "AstronautNormal"), ("spacewalks", "SpacewalkList")],
)
def test_other_linked_resources_match_the_spec(all_fixtures, client, resource, schema):
    page = client.get(f"/2.3.0/{resource}/?limit=100&format=json").json()
    assert page["count"] > 0
    for item in page["results"]:
        assert_matches_schema(item, schema)


def test_config_lookups_search_and_order(client):
    assert client.get("/2.3.0/config/net_precisions/?search=min&format=json").json()["results"] == [
        {"id": 1, "name": "Minute", "abbrev": "MIN", "description": "The T-0 is accurate to the minute."}
    ]
    ordered = client.get("/2.3.0/config/net_precisions/?ordering=-name&format=json").json()["results"]
    assert [item["name"] for item in ordered] == ["Second", "Minute"]
    assert client.get("/2.3.0/config/net_precisions/?ordering=bogus&format=json").status_code == 400
