"""Every request is logged once, with its id (the proxy's or a new one, echoed in `X-Request-ID`); every
server error with its traceback and the id of the request it failed."""

import io
import json
import logging
import re

import pytest
from django.test import Client

from events.views import EventViewSet
from spacedevs import request_log
from spacedevs.log_format import JSONFormatter

NEW_ID = re.compile(r"[0-9a-f]{32}")


def request_lines(caplog):
    return [record for record in caplog.records if record.name == "spacedevs.requests"]


def test_a_request_is_logged_once_under_the_proxys_id(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/health/?probe=1", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response["X-Request-ID"] == "lb-7f3a.42"
    [line] = request_lines(caplog)
    assert (line.method, line.path, line.status, line.client) == ("GET", "/health/?probe=1", 200, "127.0.0.1")
    assert line.getMessage() == f"GET /health/?probe=1 200 {line.duration_ms}ms 127.0.0.1"
    assert 0 < line.duration_ms < 10_000


def test_the_line_names_its_origin_without_searching_the_stack(client, caplog, monkeypatch):
    # The caller's lookup walked the stack at every request, for a file, line and function no format shows.
    def searched(*args, **kwargs):
        raise AssertionError("the request's line looked its caller up")

    monkeypatch.setattr(logging.Logger, "findCaller", searched)
    caplog.set_level(logging.INFO)
    client.get("/health/")
    [line] = request_lines(caplog)
    assert (line.pathname, line.funcName) == (request_log.__file__, "log_request")


def test_no_line_below_its_level(client, monkeypatch):
    # A handler of every level, as settings.LOGGING's is: the level is the logger's alone to apply.
    seen = []
    handler = logging.Handler()
    handler.emit = seen.append
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [handler])
    level = root.level
    # By setLevel, which clears what each logger keeps of the levels it is enabled for: the level set as an
    # attribute left the request logger enabled for INFO after an earlier test in the process had logged.
    root.setLevel(logging.WARNING)
    try:
        client.get("/health/")
    finally:
        root.setLevel(level)
    assert [record for record in seen if record.name == "spacedevs.requests"] == []


def test_a_request_from_no_address_is_logged_from_none(caplog):
    # A WSGI server need not give REMOTE_ADDR (a test client, a Unix socket).
    caplog.set_level(logging.INFO)
    assert Client(REMOTE_ADDR=None).get("/health/").status_code == 200
    [line] = request_lines(caplog)
    assert line.client == ""
    assert line.getMessage().endswith("ms -")


def test_the_client_logged_is_the_one_the_throttle_counts(client, caplog, settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    caplog.set_level(logging.INFO)
    client.get("/health/", HTTP_X_FORWARDED_FOR="198.51.100.1, [2001:DB8::7]:40000")
    [line] = request_lines(caplog)
    assert line.client == "2001:db8::7"


@pytest.mark.parametrize("given", [None, "", "two words", "x" * 201, 'quote"d', "-", "./"])
def test_a_request_without_a_usable_id_gets_a_new_one(client, given):
    headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}
    assert NEW_ID.fullmatch(client.get("/health/", **headers)["X-Request-ID"])


@pytest.fixture
def log_output(monkeypatch):
    """What the configured log handler (settings.LOGGING) writes, while the test runs."""
    [handler] = [handler for handler in logging.getLogger().handlers if handler.name == "stdout"]
    written = io.StringIO()
    monkeypatch.setattr(handler, "stream", written)
    return written


@pytest.mark.django_db
def test_a_server_error_is_logged_with_its_traceback_and_request_id(monkeypatch, log_output):
    def fail(*args, **kwargs):
        raise RuntimeError("the view broke")

    monkeypatch.setattr(EventViewSet, "list", fail)
    response = Client(raise_request_exception=False).get("/2.3.0/events/", HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()) == (500, {"detail": "Server error."})
    logged = log_output.getvalue()
    request_id = response["X-Request-ID"]
    assert f"ERROR django.request [{request_id}] Internal Server Error: /2.3.0/events/\nTraceback" in logged
    assert "RuntimeError: the view broke" in logged
    assert f"INFO spacedevs.requests [{request_id}] GET /2.3.0/events/ 500 " in logged


def test_a_host_this_server_does_not_answer_to_is_a_warning_without_a_traceback(client, log_output):
    response = client.get("/2.3.0/events/", HTTP_HOST="scanner.example")
    assert response.status_code == 400
    warning, line = log_output.getvalue().splitlines()
    request_id = response["X-Request-ID"]
    assert warning.endswith(
        f" WARNING django.security.DisallowedHost [{request_id}] Invalid HTTP_HOST header: "
        "'scanner.example'. You may need to add 'scanner.example' to ALLOWED_HOSTS."
    )
    assert f"INFO spacedevs.requests [{request_id}] GET /2.3.0/events/ 400 " in line
    # A warning: nothing at LOG_LEVEL=ERROR (Django's loggers pass an error's record on to the root's).
    root, level = logging.getLogger(), logging.getLogger().level
    root.setLevel(logging.ERROR)  # (setLevel: each logger keeps what it last found enabled, till then)
    try:
        client.get("/2.3.0/events/", HTTP_HOST="scanner.example")
    finally:
        root.setLevel(level)
    assert log_output.getvalue().splitlines() == [warning, line]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type", "refused"),
    [
        (b"a=" + b"x" * (3 * 1024 * 1024), "application/x-www-form-urlencoded", "RequestDataTooBig"),
        (
            "&".join(f"f{n}=1" for n in range(10_001)).encode(),
            "application/x-www-form-urlencoded",
            "TooManyFieldsSent",
        ),
        (
            b"".join(
                b'--B\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\nx\r\n'
                for _ in range(101)
            )
            + b"--B--\r\n",
            "multipart/form-data; boundary=B",
            "TooManyFilesSent",
        ),
    ],
    ids=["too-big", "too-many-fields", "too-many-files"],
)
def test_a_form_past_djangos_limits_is_a_warning_without_a_traceback(log_output, body, content_type, refused):
    # Anyone may post to the admin's sign-in page: each of these was an ERROR and a 30-line traceback.
    client = Client(raise_request_exception=False)
    response = client.generic("POST", "/admin/login/", body, content_type=content_type)
    assert (response.status_code, response.json()) == (400, {"detail": "Bad request."})
    warning, line = log_output.getvalue().splitlines()
    request_id = response["X-Request-ID"]
    assert f" WARNING django.security.{refused} [{request_id}] " in warning
    assert f"INFO spacedevs.requests [{request_id}] POST /admin/login/ 400 " in line


def test_json_lines_carry_the_same_fields():
    record = logging.LogRecord("spacedevs.requests", logging.INFO, __file__, 1, "GET / 200", None, None)
    record.created = 1_700_000_000.25
    record.request_id = "abc"
    for name, value in {
        "method": "GET",
        "path": "/",
        "status": 200,
        "duration_ms": 1.5,
        "client": "::1",
    }.items():
        setattr(record, name, value)
    assert json.loads(JSONFormatter().format(record)) == {
        "time": "2023-11-14T22:13:20.250000+00:00",
        "level": "INFO",
        "logger": "spacedevs.requests",
        "message": "GET / 200",
        "request_id": "abc",
        "method": "GET",
        "path": "/",
        "status": 200,
        "duration_ms": 1.5,
        "client": "::1",
    }


def test_json_lines_include_the_traceback():
    try:
        raise ValueError("bad")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", None, __import__("sys").exc_info()
        )
    entry = json.loads(JSONFormatter().format(record))
    assert entry["request_id"] == "-"
    assert entry["exception"].startswith("Traceback") and entry["exception"].endswith("ValueError: bad")
