"""The browsable API as this service: its name and version in the navbar, a favicon, the docs a click away
from every page, long values wrapped."""

import pytest
from django.contrib.staticfiles import finders


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
