"""The production environment as the README documents it: `check --deploy` finds nothing; gunicorn believes
no forwarded header itself and lets long request lines through to the API's own checks; a request's host
is the one HTTP/1.1 defines; the admin can be left out, and its sign-in attempts are limited."""

import json
import logging
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import types
from ipaddress import ip_network
from urllib.parse import urlsplit

import pytest
from django.core import checks
from django.urls import reverse

from spacedevs import gunicorn_config

from .conftest import ROOT
from .instances import Instance, http_get

LOCAL_WARNINGS = ["security.W004", "security.W008", "security.W012", "security.W016"]


def production_environment():
    """production.env's settings, with a real secret."""
    lines = (ROOT / "production.env").read_text().splitlines()
    settings = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return settings | {"SECRET_KEY": secrets.token_urlsafe(50)}


def check_deploy(**environment):
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"} | environment
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_finds_nothing_in_the_documented_production_environment():
    result = check_deploy(**production_environment())
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    ), result.stderr


@pytest.mark.parametrize(
    ("believed", "proxies", "warned"),
    [
        ({"TRUSTED_PROXIES": 1}, [], True),
        ({"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}, [], True),
        ({"USE_X_FORWARDED_HOST": True}, [], True),
        ({"TRUSTED_PROXIES": 1, "USE_X_FORWARDED_HOST": True}, [ip_network("10.0.0.0/8")], False),
        ({}, [], False),  # no forwarded header believed
    ],
)
def test_forwarded_headers_believed_from_any_connection_are_a_deploy_warning(
    settings, believed, proxies, warned
):
    settings.TRUSTED_PROXIES, settings.SECURE_PROXY_SSL_HEADER, settings.USE_X_FORWARDED_HOST = 0, None, False
    for name, value in believed.items():
        setattr(settings, name, value)
    settings.TRUSTED_PROXY_ADDRESSES = proxies
    found = [message.id for message in checks.run_checks(include_deployment_checks=True)]
    assert ("spacedevs.W001" in found) is warned


def test_a_local_run_lacks_only_the_https_switches():
    result = check_deploy(SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 1
    assert sorted(
        line.split()[1].strip("()") for line in result.stderr.splitlines() if "security.W" in line
    ) == (LOCAL_WARNINGS)


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_databases):
    directory = tmp_path_factory.mktemp("production")
    instance = Instance.copy_of(
        sqlite_databases["imported"],
        directory,
        ADMIN_ENABLED="false",
        LOG_FORMAT="json",
        # Static files not collected: WhiteNoise warns (a Python warning, not a log line of its own).
        STATIC_ROOT=str(directory / "not-collected"),
    ).serve()
    yield instance
    instance.stop()


def test_gunicorn_believes_no_forwarded_scheme(server):
    response = http_get(f"{server.base_url}/events/352/", headers={"X-Forwarded-Proto": "https"})
    assert response.json()["url"].startswith("http://127.0.0.1:")


def test_under_a_path_prefix_every_link_and_static_file_follows_it(tmp_path, sqlite_databases):
    """A proxy forwarding https://example.org/mirror/… whole, gunicorn given SCRIPT_NAME (README:
    Deploying). The browsable pages' static files were at /static/…, outside the prefix, which the proxy
    does not forward: WhiteNoise read STATIC_URL as the worker booted, and Django prefixed it with that
    moment's "/"."""
    instance = Instance.copy_of(
        sqlite_databases["imported"], tmp_path, SCRIPT_NAME="/mirror", WHITENOISE_USE_FINDERS="true"
    ).launch()
    origin = instance.base_url.removesuffix("/2.3.0")
    instance.base_url = f"{origin}/mirror/2.3.0"
    try:
        instance.ready()
        page = http_get(f"{instance.base_url}/events/352/", headers={"Accept": "text/html"}).text
        stylesheets = re.findall(r'<link rel="stylesheet" type="text/css" href="([^"]+)"', page)
        assert stylesheets and all(path.startswith("/mirror/static/") for path in stylesheets)
        assert {http_get(f"{origin}{path}").status_code for path in stylesheets} == {200}
        assert (
            http_get(f"{instance.base_url}/events/352/").json()["url"] == f"{instance.base_url}/events/352/"
        )
        assert http_get(f"{origin}/mirror/health/").json() == {"status": "ok"}
        # Every path the root's page links, its help text's to the documentation too.
        root = http_get(f"{instance.base_url}/", headers={"Accept": "text/html"}).text
        paths = set(re.findall(r'(?:href|src)="(/[^"]*)"', root))
        assert "/mirror/2.3.0/swagger/" in paths
        assert [path for path in paths if not path.startswith("/mirror/")] == []
        # From a proxy that strips the prefix: the same answers, their links under it. gunicorn, given the
        # prefix, answered every path outside it with an HTML 500.
        assert http_get(f"{origin}/2.3.0/events/352/").json()["url"] == f"{instance.base_url}/events/352/"
        assert http_get(f"{origin}/health/").json() == {"status": "ok"}
        missing = http_get(f"{origin}/elsewhere/")
        assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
        # The image's health check, which asked for /ready/.
        bind = origin.removeprefix("http://")
        probe = subprocess.run(
            [sys.executable, "-m", "spacedevs.probe"], cwd=ROOT, env=instance.env | {"BIND": bind}
        )
        assert probe.returncode == 0
    finally:
        instance.stop()


def test_a_client_past_the_proxies_cannot_choose_the_address_it_is_counted_as(tmp_path, sqlite_databases):
    """TRUSTED_PROXIES believes X-Forwarded-For; TRUSTED_PROXY_ADDRESSES, from the proxies' connections alone
    (this test's come from loopback, which is not one of them)."""
    instance = Instance.copy_of(
        sqlite_databases["empty"],
        tmp_path,
        TRUSTED_PROXIES="1",
        TRUSTED_PROXY_ADDRESSES="10.0.0.0/8",
        ANONYMOUS_THROTTLE_RATE="3/hour",
    ).serve()  # its readiness check is the first request
    try:
        statuses = [
            http_get(
                f"{instance.base_url}/events/", headers={"X-Forwarded-For": f"198.51.100.{number}"}
            ).status_code
            for number in range(3)
        ]
    finally:
        instance.stop()
    assert statuses == [200, 200, 429]


def test_long_request_lines_reach_the_apis_own_check(server):
    # Over gunicorn's default limit (4,094 bytes), under its longest (8,190).
    response = http_get(f"{server.base_url}/events/", params={"search": "x" * 6000})
    assert (response.status_code, response.json()["count"]) == (200, 0)
    response = http_get(f"{server.base_url}/events/", params={"slug": "x" * 8_001})
    assert response.status_code == 400
    assert response.json() == {"slug": ["Ensure this value has at most 8000 characters (it has 8001)."]}


def raw_exchange(address, target, *headers, version="1.1"):
    """The status and body of the answer at `address` to a GET of `target` with `headers` (lines), sent as
    they are (httpx always sends a Host)."""
    host, port = address.split(":")
    request = "\r\n".join([f"GET {target} HTTP/{version}", *headers, "Connection: close", "", ""])
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request.encode("ascii"))
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_a_request_is_for_the_host_http_1_1_defines(server):
    address = urlsplit(server.base_url).netloc
    path, bad_request = "/2.3.0/events/352/", (400, b'{"detail":"Bad request."}')
    # Without a Host, an HTTP/1.1 request is refused, and an HTTP/1.0 one is for the server's own address.
    assert raw_exchange(address, path) == bad_request
    status, body = raw_exchange(address, path, version="1.0")
    assert (status, json.loads(body)["url"]) == (200, f"http://{address}{path}")
    # A target in absolute form names the host, whatever Host says: that one is checked, and in the links.
    status, body = raw_exchange(address, f"http://{address}{path}", "Host: elsewhere.test")
    assert (status, json.loads(body)["url"]) == (200, f"http://{address}{path}")
    assert raw_exchange(address, f"http://elsewhere.test{path}", f"Host: {address}") == bad_request
    assert raw_exchange(address, f"ftp://{address}{path}", f"Host: {address}") == bad_request
    # An invalid Host is refused whatever the target names; a valid one, even one not served, is ignored.
    assert raw_exchange(address, f"http://{address}{path}", "Host: a b") == bad_request
    status, body = raw_exchange(address, f"http://{address}{path}", "Host: my_host")
    assert (status, json.loads(body)["url"]) == (200, f"http://{address}{path}")
    # The links' scheme is the connection's, not the target's.
    status, body = raw_exchange(address, f"https://{address}{path}", f"Host: {address}")
    assert (status, json.loads(body)["url"]) == (200, f"http://{address}{path}")


def test_json_logs_are_json_lines_whoever_writes_them(server):
    http_get(f"{server.base_url}/events/352/", headers={"X-Request-ID": "json-lines"})
    entries = {
        stream: [json.loads(line) for line in server.output(stream).read_text().splitlines()]
        for stream in ("stdout", "stderr")
    }
    # gunicorn's own lines (no access log: the app logs each request), the app's request lines, warnings.
    assert {(entry["logger"], entry["message"].split(":")[0]) for entry in entries["stderr"]} >= {
        ("gunicorn.error", "Listening at"),
        ("gunicorn.error", "Booting worker with pid"),
    }
    assert any("UserWarning: No directory at" in entry["message"] for entry in entries["stdout"])
    [request] = [entry for entry in entries["stdout"] if entry["request_id"] == "json-lines"]
    assert (request["logger"], request["path"]) == ("spacedevs.requests", "/2.3.0/events/352/")
    assert not [entry for entry in entries["stdout"] if entry["logger"].startswith("gunicorn")]


def test_gunicorn_takes_its_settings_from_the_dotenv_file_too(tmp_path):
    # gunicorn's master reads its configuration module, and keeps no Django settings: a copy of the module
    # (and of the settings it checks) beside a `.env` (where bin/bootstrap writes and README: Configuration
    # says settings may be).
    package = tmp_path / "spacedevs"
    package.mkdir()
    for name in ("__init__.py", "gunicorn_config.py", "log_format.py", "refused.py", "settings.py"):
        shutil.copyfile(ROOT / "spacedevs" / name, package / name)
    (tmp_path / ".env").write_text(
        "BIND=127.0.0.1:9999\nWEB_CONCURRENCY=3\nLOG_FORMAT=json\nLOG_LEVEL=Warning\n"
    )
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("BIND", "WEB_CONCURRENCY", "LOG_FORMAT", "LOG_LEVEL")
    }
    read = (
        "import spacedevs.gunicorn_config as c; print(c.bind, c.workers, c.logger_class.__name__, c.loglevel)"
    )
    result = subprocess.run(
        [sys.executable, "-c", read], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    # LOG_LEVEL holds for gunicorn's own lines too.
    assert result.stdout.split() == ["127.0.0.1:9999", "3", "JSONLogger", "warning"]


def test_the_admin_can_be_left_out(server):
    response = http_get(f"{server.base_url.removesuffix('/2.3.0')}/admin/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


@pytest.mark.django_db
def test_admin_sign_in_attempts_are_limited_per_address(client, settings):
    settings.ADMIN_LOGIN_RATE = "3/hour"
    login = reverse("admin:login")
    for _ in range(3):
        assert client.post(login, {"username": "admin", "password": "guess"}).status_code == 200  # refused
    refused = client.post(login, {"username": "admin", "password": "guess"})
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])  # from the first attempt, a second or so before
    assert 3590 < wait <= 3600
    assert refused.json() == {"detail": f"Request was throttled. Expected available in {wait} seconds."}
    assert client.get(login).status_code == 200  # the form itself is still shown


@pytest.mark.django_db
def test_admin_sign_in_attempts_from_one_ipv6_network_are_counted_together(client, settings):
    # Any client holds a /64: an address of its own for each guess made the limit none.
    settings.ADMIN_LOGIN_RATE = "3/hour"
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    login = reverse("admin:login")

    def attempt(address):
        guess = {"username": "admin", "password": "guess"}
        return client.post(login, guess, HTTP_X_FORWARDED_FOR=address).status_code

    assert [attempt(f"2001:db8:1:2::{n:x}") for n in range(1, 6)] == [200, 200, 200, 429, 429]
    assert attempt("2001:db8:1:3::1") == 200  # another network
    assert attempt("192.0.2.1") == 200 and attempt("192.0.2.2") == 200  # an IPv4 address is its own


# A page's buffers, as a worker serving uncached pages of 100 detailed documents makes them: several of
# 570 KB alive at once (the documents joined, the page rendered, the response kept), then all freed.
PAGE_BUFFERS = """
import logging, resource, sys
from spacedevs.gunicorn_config import tune_allocator
if sys.argv[1] == "tuned":
    tune_allocator(logging.getLogger())

def request():
    buffers = [bytearray(570_000 + n) for n in range(3)]  # zeroed: every page touched
    del buffers

request(), request()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    request()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not gunicorn_config.is_glibc(), reason="glibc's allocator")
def test_a_worker_keeps_the_memory_of_a_pages_buffers_for_the_next_request():
    # The allocator as glibc sets it, whatever this environment's tunables say.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}

    def page_faults(allocator):
        command = [sys.executable, "-c", PAGE_BUFFERS, allocator]
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        return int(run.stdout)

    # glibc's own thresholds hand the heap's top back after each request, and take it in again, zeroed.
    assert page_faults("as glibc sets it") > 20 * 100
    assert page_faults("tuned") < 100


def test_a_worker_tunes_its_allocator_and_garbage_collector_as_it_starts(monkeypatch):
    calls = []
    monkeypatch.setattr(gunicorn_config, "tune_garbage_collector", lambda: calls.append("collector"))
    monkeypatch.setattr(gunicorn_config, "tune_allocator", lambda log: calls.append(("allocator", log)))
    worker = types.SimpleNamespace(log=object())
    gunicorn_config.post_worker_init(worker)
    assert calls == ["collector", ("allocator", worker.log)]


@pytest.mark.skipif(not gunicorn_config.is_glibc(), reason="glibc's allocator")
def test_thresholds_glibc_refuses_are_logged(monkeypatch, caplog):
    refusing = types.SimpleNamespace(mallopt=lambda parameter, value: 0)
    monkeypatch.setattr(gunicorn_config.ctypes, "CDLL", lambda name: refusing)
    gunicorn_config.tune_allocator(logging.getLogger("gunicorn.error"))
    assert [record.getMessage() for record in caplog.records] == [
        "glibc refused the allocator's thresholds: a page's buffers are mapped afresh each time"
    ]
