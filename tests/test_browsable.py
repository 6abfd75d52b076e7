"""The browsable API as this service: its name and version in the navbar, a favicon, the docs a click away
from every page, long values wrapped."""

import re

import pytest
from django.contrib.staticfiles import finders
from rest_framework.response import Response
from rest_framework.views import APIView

from spacedevs.api.pages import PublicBrowsableAPIRenderer


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/2.3.0/", "/2.3.0/events/", "/2.3.0/events/upcoming/?type__ids=2", "/2.3.0/agencies/"]
)
def test_every_browsable_page_names_the_service_and_links_the_docs(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html")
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        'class="navbar-brand" rel="nofollow" href="/2.3.0/">LL2 events replica <small>2.3.0</small>' in page
    )
    assert "Django REST framework" not in page
    for name, link in [
        ("Swagger UI", "/2.3.0/swagger/"),
        ("Redoc", "/2.3.0/redoc/"),
        ("OpenAPI schema", "/2.3.0/schema/"),
    ]:
        assert f'<a href="{link}">{name}</a>' in page
    assert '<link rel="icon" type="image/svg+xml" href="/static/spacedevs/favicon.svg">' in page
    assert "overflow-wrap: anywhere" in page


def test_the_favicon_is_a_static_file():
    assert finders.find("spacedevs/favicon.svg")


@pytest.mark.django_db
def test_an_unknown_path_is_the_browsable_404_in_a_browser_and_the_same_json_elsewhere(client):
    page = client.get("/no/such/path/", HTTP_ACCEPT="text/html")
    assert (page.status_code, page["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert "LL2 events replica <small>2.3.0</small>" in page.content.decode()
    unknown_id = client.get("/2.3.0/events/999999/", HTTP_ACCEPT="application/json")
    for method in ("get", "post", "delete"):
        unknown_path = getattr(client, method)("/no/such/path/", HTTP_ACCEPT="application/json")
        assert (unknown_path.status_code, unknown_path.content) == (404, unknown_id.content)
    assert unknown_id.content == b'{"detail":"Not found."}'


@pytest.mark.django_db
def test_the_root_page_says_what_this_is_and_where_the_docs_are(client):
    page = client.get("/2.3.0/", HTTP_ACCEPT="text/html").content.decode()
    assert (
        "A replica of Launch Library 2&#x27;s 2.3.0 events API" in page
        or "A replica of Launch Library 2's" in page
    )
    for link in ("/2.3.0/swagger/", "/2.3.0/redoc/", "/2.3.0/schema/", "http://testserver/2.3.0/events/"):
        assert f'href="{link}"' in page
    assert "has not synced from an upstream" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "route"),
    [("/2.3.0/events/352/", "/2.3.0/events/"), ("/events/upcoming/", "/2.3.0/events/upcoming/")],
)
def test_help_examples_link_the_list_route_from_anywhere(client, path, route):
    page = client.get(path, HTTP_ACCEPT="text/html").content.decode()
    assert 'href="./?' not in page
    assert f'href="{route}?mode=list"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/2.3.0/redoc/", "/2.3.0/swagger/"])
def test_the_docs_load_nothing_from_outside(client, path):
    page = client.get(path).content.decode()
    assert page.count("/static/drf_spectacular_sidecar/") >= 1
    assert not re.findall(r'(?:src|href)="(?!/)', page), "every script, style and icon from this host"
    assert "fonts.googleapis.com" not in page


@pytest.mark.django_db
def test_event_pages_offer_their_calendar_feed(client):
    events = client.get("/2.3.0/events/upcoming/", HTTP_ACCEPT="text/html").content.decode()
    assert '<a href="/2.3.0/events/upcoming/?format=ics">/events/upcoming/?format=ics</a>' in events
    agencies = client.get("/2.3.0/agencies/", HTTP_ACCEPT="text/html").content.decode()
    assert "format=ics" not in agencies


CSRF_TOKEN = re.compile(r'"csrfToken": "([^"]*)"')


class ReadOnly(APIView):
    renderer_classes = [PublicBrowsableAPIRenderer]

    def get(self, request):
        return Response({})


class Writable(ReadOnly):
    def post(self, request):
        return Response({})


@pytest.mark.parametrize(("view", "has_token"), [(ReadOnly, False), (Writable, True)])
def test_only_pages_of_views_that_change_data_hold_a_csrf_token(rf, view, has_token):
    response = view.as_view()(rf.get("/", HTTP_ACCEPT="text/html")).render()
    assert bool(CSRF_TOKEN.search(response.content.decode()).group(1)) is has_token


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/2.3.0/", "/2.3.0/events/", "/2.3.0/swagger/", "/no/such/path/"])
def test_pages_set_no_cookie(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert (response.cookies, "Cookie" in response.get("Vary", "")) == ({}, False)
