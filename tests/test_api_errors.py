"""Errors are JSON, with the status LL2 (DRF) gives them."""

import pytest
from django.test import Client

from .wsgi_client import WSGIClient

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.mark.parametrize(
    "path",
    [
        "/2.3.0/events/999/",
        "/2.3.0/events/abc/",
        "/2.3.0/events/upcoming/352/",
        "/2.3.0/agencies/1/",
        "/2.3.0/launches/00000000-0000-0000-0000-000000000000/",
        "/2.3.0/launches/not-a-uuid/",
        "/2.3.0/config/event_types/99/",
        "/2.3.0/nothing-here/",
        "/no/such/path",
        "/2.3.0/events/352.xml",  # a format suffix no renderer has: no such path
        "/no/such/path?format=xml",  # a path first: no format to name
    ],
)
def test_not_found_is_json(client, path):
    response = client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("method", "query", "accept"),
    [
        ("get", "?format=json", "text/html"),
        ("get", "", "application/xml"),
        ("head", "", "application/xml"),
        ("options", "", "application/json"),
        ("post", "?format=xml", "application/xml"),
    ],
)
def test_an_unknown_path_is_a_404_whatever_is_asked_of_it(client, method, query, accept):
    response = getattr(client, method)(f"/no/such/path{query}", HTTP_ACCEPT=accept)
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    if method != "head":
        assert response.json() == {"detail": "Not found."}


def test_an_accept_refusing_everything_is_a_routes_406_before_an_unknown_id(client):
    # The route's negotiation comes before its lookup; an unknown path has no representations to refuse.
    refusing = {"HTTP_ACCEPT": "*/*;q=0"}
    response = client.get("/2.3.0/events/999999/", **refusing)
    assert (response.status_code, response.json()) == (
        406,
        {"detail": "Could not satisfy the request Accept header."},
    )
    assert (client.get("/no/such/path", **refusing).status_code) == 404


@pytest.mark.parametrize("path", ["/no/such/path", "/2.3.0/events/999999/"])
def test_an_unknown_path_or_id_asked_for_the_browsable_api_is_its_404_page(client, path):
    response = client.get(f"{path}?format=api", HTTP_ACCEPT="application/json")
    assert (response.status_code, response["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert b"Not found." in response.content


def test_a_past_event_is_found_under_previous(client):
    assert client.get("/2.3.0/events/previous/352/?format=json").json()["id"] == 352


@pytest.mark.parametrize("path", ["/2.3.0/events/", "/2.3.0/events/352/"])
def test_a_read_says_get_head_and_options_are_allowed_and_answers_each(client, path):
    # LL2's pages show `Allow: GET`; HEAD and OPTIONS are answered here, and `Allow` says so.
    for method in ("get", "head", "options"):
        response = getattr(client, method)(path, HTTP_ACCEPT="application/json")
        assert (response.status_code, response["Allow"]) == (200, "GET, HEAD, OPTIONS"), method


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/2.3.0/events/", "/2.3.0/events/352/", "/2.3.0/config/languages/"])
def test_writes_are_not_allowed(client, method, path):
    response = getattr(client, method)(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("method", "status", "then"),
    [("get", 301, 200), ("head", 301, 200), ("options", 308, 200), ("post", 308, 405), ("delete", 308, 405)],
)
def test_a_path_without_its_slash_redirects_keeping_any_method_but_a_read(
    client, settings, method, status, then, debug
):
    # A 301 may be followed with a GET, which would answer a POST with the collection (and Django raises
    # under DEBUG rather than give one to a write).
    settings.DEBUG = debug
    response = getattr(client, method)("/2.3.0/events?mode=list")
    assert (response.status_code, response["Location"]) == (status, "/2.3.0/events/?mode=list")
    assert getattr(client, method)(response["Location"]).status_code == then


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/2.3.0/events/", "text/calendar"),
        ("/2.3.0/events.ics", "*/*"),
        ("/2.3.0/events/352/?format=ics", "*/*"),
        ("/2.3.0/schema/", "*/*"),
        ("/2.3.0/swagger/", "*/*"),
        ("/2.3.0/redoc/", "text/html"),
    ],
)
def test_options_describes_any_route_in_json(client, path, accept):
    response = client.options(path, HTTP_ACCEPT=accept)
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert {"name", "description", "renders", "parses"} <= response.json().keys()


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/2.3.0/swagger/", "application/json"),
        ("/2.3.0/events/", "application/xml"),
        ("/2.3.0/schema/", "text/csv"),
    ],
)
def test_a_method_not_taken_is_a_405_whatever_the_accept_header(client, path, accept):
    response = client.post(path, HTTP_ACCEPT=accept)
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, OPTIONS")
    assert response.json() == {"detail": 'Method "POST" not allowed.'}


@pytest.mark.parametrize("method", ["post", "delete"])
@pytest.mark.parametrize("path", ["/2.3.0/", "/2.3.0/api-throttle/", "/2.3.0/schema/", "/2.3.0/events/"])
def test_a_method_not_taken_is_a_405_whatever_the_format_asked(client, method, path):
    response = getattr(client, method)(f"{path}?format=xml")
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, OPTIONS")
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}


@pytest.mark.parametrize(
    ("path", "formats"),
    [
        ("/2.3.0/events/?format=xml", "json, api, ics"),
        ("/2.3.0/events/upcoming/?mode=list&format=JSON", "json, api, ics"),
        ("/2.3.0/events/352/?format=%00", "json, api, ics"),
        # A suffix chooses the format, but a bad ?format= beside it is no less bad (links would repeat it).
        ("/2.3.0/events/352.json?format=xml", "json, api, ics"),
        ("/2.3.0/events.json?format=xml&limit=1", "json, api, ics"),
        ("/2.3.0/?format=xml", "json, api"),
        ("/2.3.0/config/event_types/?format=ics", "json, api"),
        ("/2.3.0/schema/?format=xml", "yaml, json"),
        ("/2.3.0/swagger/?format=json", "html"),
    ],
)
def test_an_unknown_format_is_a_400_naming_the_formats(client, path, formats):
    response = client.get(path, HTTP_ACCEPT="*/*")
    asked = client.get(path).wsgi_request.GET["format"]
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == {"format": [f"'{asked}' is not a valid format; valid formats are: {formats}."]}


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/2.3.0/events/?limit=abc", "*/*"),  # 400
        ("/2.3.0/events/999/", "*/*"),  # 404
        ("/no/such/path", "*/*"),  # 404, from the handler's
        # The browsable pages name the method they answer: a HEAD's would be a byte longer.
        ("/no/such/path", "text/html"),
        ("/2.3.0/events/999/", "text/html"),
        ("/2.3.0/events/?format=xml", "*/*"),
        ("/health/", "*/*"),
        ("/2.3.0/events/", "*/*"),
        ("/2.3.0/events/", "text/html"),
    ],
)
def test_head_is_the_gets_headers_without_its_body_whatever_the_status(path, accept):
    # Through the WSGI application, as a server gets it (Django's test client drops a HEAD's body itself):
    # computed first, then after the GET, when a response the cache keeps is replayed.
    client = WSGIClient()
    computed = client.head(path, HTTP_ACCEPT=accept)
    get, replayed = client.get(path, HTTP_ACCEPT=accept), client.head(path, HTTP_ACCEPT=accept)
    for head in (computed, replayed):
        assert (head.status_code, head.content) == (get.status_code, b"")
        assert head["Content-Length"] == get["Content-Length"] == str(len(get.content))
        assert head["Content-Type"] == get["Content-Type"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])  # the second's 405 comes after the check
def test_a_form_the_csrf_check_refuses_is_a_json_403(method):
    response = Client(enforce_csrf_checks=True).generic(method, "/admin/login/", "username=a&password=b")
    assert (response.status_code, response["Content-Type"]) == (403, "application/json")
    assert response.json() == {"detail": "CSRF Failed: CSRF cookie not set."}


def test_a_request_for_an_unknown_host_is_a_json_400(client):
    response = client.get("/2.3.0/events/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


@pytest.mark.parametrize(
    "host",
    [
        "testserver:" + "1" * 8000,  # every link of the page repeated it: 6.7 MB for 100 detailed documents
        "testserver:65536",
        "testserver:000000080",
        "testserver:0",  # no connection goes to port 0
        "testserver:00000",
    ],
)
def test_a_host_whose_port_is_no_tcp_port_is_a_json_400(client, seeded, host):
    response = client.get("/2.3.0/events/?mode=detailed", HTTP_HOST=host)
    assert (response.status_code, response.json()) == (400, {"detail": "Bad request."})


@pytest.mark.parametrize("host", ["evil.example", "testserver:65536"])
def test_a_refused_host_is_answered_with_the_headers_of_every_response(client, host):
    response = client.get("/2.3.0/events/", HTTP_HOST=host, HTTP_ORIGIN="https://dashboard.example")
    assert response.status_code == 400
    assert (response["X-Content-Type-Options"], response["Access-Control-Allow-Origin"]) == ("nosniff", "*")


def test_a_host_name_longer_than_any_dns_name_is_a_json_400(client, seeded, settings):
    settings.ALLOWED_HOSTS = [".example.org"]
    response = client.get("/2.3.0/events/", HTTP_HOST="a" * 7000 + ".example.org")  # DNS's longest: 253
    assert (response.status_code, response.json()) == (400, {"detail": "Bad request."})
    longest = "a" * (253 - len(".example.org")) + ".example.org"
    assert client.get("/2.3.0/events/", HTTP_HOST=f"{longest}:65535").status_code == 200


def test_any_origin_may_read_the_api_but_not_the_admin(client):
    response = client.get("/2.3.0/events/?format=json", HTTP_ORIGIN="https://dashboard.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/2.3.0/events/", HTTP_ORIGIN="https://dashboard.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    # A script may send its key, revalidate, and read the validator and when to come back.
    revalidating = client.options(
        "/2.3.0/events/",
        HTTP_ORIGIN="https://dashboard.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, if-modified-since",
    )
    allowed = {name.strip() for name in revalidating["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "if-none-match", "if-modified-since", "x-request-id"} <= allowed
    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"etag", "retry-after", "x-mirror-synced-at", "x-request-id"}
    admin = client.get("/admin/login/", HTTP_ORIGIN="https://dashboard.example")
    assert "Access-Control-Allow-Origin" not in admin


LONG = "9" * 4301  # beyond the 4,300 digits Python's int() takes from a string


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (f"offset={LONG}", {"offset": ["Ensure this value is between 0 and 2147483647."]}),
        (f"type={LONG}", {"type": ["Ensure this value is less than or equal to 2147483647."]}),
        (f"agency__ids={LONG}", {"agency__ids": ["Ensure this value is less than or equal to 2147483647."]}),
    ],
)
def test_a_number_of_any_length_past_its_bounds_is_a_400(client, query, body):
    response = client.get(f"/2.3.0/events/?{query}", HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()) == (400, body)


def test_a_limit_of_any_length_is_clamped(client):
    response = client.get(f"/2.3.0/events/?limit={LONG}", HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()["next"]) == (200, None)
    assert (
        "limit=100"
        in client.get(f"/2.3.0/events/?limit={LONG}&offset=1", HTTP_ACCEPT="application/json").json()[
            "previous"
        ]
    )


@pytest.mark.parametrize(
    "path",
    [
        f"/2.3.0/events/{LONG}/",
        f"/2.3.0/events/upcoming/{LONG}/",
        f"/2.3.0/agencies/{LONG}/",
        # A number, past the column's range: a lookup no row can match.
        f"/2.3.0/events/{2**63}/",
        f"/2.3.0/events/upcoming/{2**63}/",
    ],
)
def test_an_id_of_any_length_is_not_found(client, path):
    response = client.get(path, HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/html;q=0, */*", "application/json"),  # anything but HTML
        ("text/html;Q=0, */*", "application/json"),  # a parameter's name in any case
        ("application/json;indent=4;q=0, application/json", "application/json"),  # a variant refused
        ("application/json;indent=4;q=0.3, application/json;q=0.9, text/html;q=0.5", "application/json"),
        ("text/html;q=0.1, text/calendar", "text/calendar; charset=utf-8"),
        ("text/calendar;q=0, */*;q=0.1", "application/json"),
        ("application/json;q=0.5, text/html;q=0.9", "text/html; charset=utf-8"),
        ("*/*;q=0, application/json", "application/json"),  # the most specific range counts
        ("application/json;q=abc, text/html;q=0.5", "application/json"),  # a q that is no number: ignored
        # A browser's, as before.
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8"),
    ],
)
def test_accepts_q_values_choose_the_representation(client, accept, content_type):
    response = client.get("/2.3.0/events/?limit=1", HTTP_ACCEPT=accept)
    assert (response.status_code, response["Content-Type"]) == (200, content_type)


@pytest.mark.parametrize(
    ("accept", "indented"),
    [
        ("application/json;indent=4;q=0.9, application/json;q=0.3", True),
        ("application/json;indent=4;q=0.3, application/json;q=0.9", False),
        ("application/json;indent=4;q=0, application/json", False),
    ],
)
@pytest.mark.parametrize("chosen", ["", "&format=json"])
def test_a_variant_with_parameters_is_weighed_on_its_own(client, accept, indented, chosen):
    # ?format= chooses the representation, Accept still its variant.
    response = client.get(f"/2.3.0/events/?limit=1{chosen}", HTTP_ACCEPT=accept)
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert (b'\n    "count"' in response.content) is indented


@pytest.mark.parametrize("accept", ["application/json;indent=4;q=0", "*/*;q=0", "text/html"])
def test_a_format_in_the_url_is_served_plain_whatever_accept_refuses(client, accept):
    for path in ("/2.3.0/events/?limit=1&format=json", "/2.3.0/events.json?limit=1"):
        response = client.get(path, HTTP_ACCEPT=accept)
        assert (response.status_code, response["Content-Type"]) == (200, "application/json")
        assert response.content.startswith(b'{"count":')


@pytest.mark.parametrize(
    ("path", "status"), [("/2.3.0/events/?day=0", 400), ("/2.3.0/events/99999/", 404), ("/no/such/path", 404)]
)
def test_an_error_is_json_for_a_client_that_refuses_html(client, path, status):
    response = client.get(path, HTTP_ACCEPT="text/html;q=0, */*")
    assert (response.status_code, response["Content-Type"]) == (status, "application/json")


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("path", "accept", "content_type"),
    [
        ("/2.3.0/events/?format=ics", "application/json", "text/calendar"),
        ("/2.3.0/events.ics", "application/json", "text/calendar"),
        ("/2.3.0/events/352/?format=ics", "text/html", "text/calendar"),
        ("/2.3.0/events/?format=json", "text/html", "application/json"),
        ("/2.3.0/events/upcoming/?format=api", "application/json", "text/html; charset=utf-8"),
        ("/2.3.0/events/?format=json", "*/*;q=0", "application/json"),
        ("/2.3.0/events/?format=json", "", "application/json"),
    ],
)
def test_the_format_a_url_names_is_given_whatever_accept_leaves_out(client, path, accept, content_type):
    response = client.get(path, HTTP_ACCEPT=accept)
    assert (response.status_code, response["Content-Type"].split(";")[0]) == (200, content_type.split(";")[0])
    assert response["Content-Type"] == client.get(path)["Content-Type"]


def test_accept_still_picks_a_variant_of_the_format_a_url_names(client):
    response = client.get("/2.3.0/events/?format=json&limit=1", HTTP_ACCEPT="application/json;indent=4")
    assert b'\n    "count"' in response.content


def test_a_request_that_accepts_nothing_is_a_406(client):
    response = client.get("/2.3.0/events/", HTTP_ACCEPT="*/*;q=0")
    assert (response.status_code, response["Content-Type"]) == (406, "application/json")
    assert response.json() == {"detail": "Could not satisfy the request Accept header."}


@pytest.mark.parametrize(
    ("signed_in", "method", "path"), [(False, "TRACE", "/admin/login/"), (True, "GET", "/admin/logout/")]
)
def test_a_method_a_django_view_does_not_take_is_a_json_405(
    client, django_user_model, signed_in, method, path
):
    if signed_in:
        client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", None))
    response = client.generic(method, path)
    assert (response.status_code, response["Content-Type"]) == (405, "application/json")
    assert response.json() == {"detail": f'Method "{method}" not allowed.'}
    assert "POST" in response["Allow"]
    assert response["Content-Length"] == str(len(response.content))


@pytest.fixture
def static_client(settings):
    """A client of a server whose WhiteNoise serves the apps' static files (no collectstatic)."""
    settings.WHITENOISE_USE_FINDERS = True
    return Client()


STATIC_FILE = "/static/rest_framework/css/bootstrap.min.css"


def test_a_static_file_posted_is_a_json_405(static_client):
    assert static_client.get(STATIC_FILE).status_code == 200
    response = static_client.post(STATIC_FILE)
    assert (response.status_code, response["Content-Type"], response["Allow"]) == (
        405,
        "application/json",
        "GET, HEAD",
    )
    assert response.json() == {"detail": 'Method "POST" not allowed.'}
    assert response["Content-Length"] == str(len(response.content))


def test_a_range_a_static_file_does_not_have_is_a_json_416(static_client):
    response = static_client.get(STATIC_FILE, HTTP_RANGE="bytes=99999999-")
    assert (response.status_code, response["Content-Type"]) == (416, "application/json")
    assert response.json() == {"detail": "Requested range not satisfiable."}
    assert response["Content-Range"].startswith("bytes */")
