"""LL2's singular event paths of 2.2.0, 2.1.0 and 2.0.0, which installed clients still call: the same
answers as the canonical routes (2.3.0 shapes, canonical `url`s), with or without the trailing slash and no
redirect; their page links keep the path the client used."""

import pytest

JSON = {"HTTP_ACCEPT": "application/json"}
VERSIONS = ["2.2.0", "2.1.0", "2.0.0"]
# Each legacy path (without its slash) and the canonical route it answers as.
ROUTES = {
    "event": "/2.3.0/events/",
    "event/upcoming": "/2.3.0/events/upcoming/",
    "event/previous": "/2.3.0/events/previous/",
    "event/352": "/2.3.0/events/352/",
    "event/previous/352": "/2.3.0/events/previous/352/",
}
pytestmark = pytest.mark.usefixtures("all_fixtures")


def without_page_links(body):
    return {key: value for key, value in body.items() if key not in ("next", "previous")}


@pytest.mark.parametrize(("legacy", "canonical"), ROUTES.items())
def test_legacy_paths_answer_as_the_canonical_routes(client, legacy, canonical):
    query = "?mode=list&limit=3"
    expected = without_page_links(client.get(f"{canonical}{query}", **JSON).json())
    for version in VERSIONS:
        for slash in ("/", ""):
            response = client.get(f"/{version}/{legacy}{slash}{query}", **JSON)
            assert response.status_code == 200, (version, slash)
            assert without_page_links(response.json()) == expected, (version, slash)


def test_page_links_keep_the_clients_path(client):
    body = client.get("/2.2.0/event/upcoming?limit=2", **JSON).json()
    assert body["next"] == "http://testserver/2.2.0/event/upcoming?limit=2&offset=2"
    assert body["results"][0]["url"].startswith("http://testserver/2.3.0/events/")


@pytest.mark.parametrize(
    "path", ["/2.2.0/events/", "/2.3.0/event/", "/1.0.0/event/", "/2.2.0/event/upcoming/x/"]
)
def test_only_the_singular_event_paths_of_those_versions_are_added(client, path):
    assert client.get(path, **JSON).status_code == 404
