"""Each variable is read as written or refused at start-up in one line that names it: numbers as Python reads
them (not as django-environ's casts, which drop what is not a digit), within what the server can honour;
lists without their items' spaces; URLs that their clients read; gunicorn's own variables too. The composed
deployment takes any database password."""

import ast
import os
import re
import socket
import struct
import subprocess
import sys
import threading

import pytest
import yaml

from .conftest import ROOT
from .test_settings import start

KEY = "x" * 50
PROXY_ADDRESSES = (
    "addresses or networks like 10.0.0.0/8 (no address bits past the prefix, IPv4 as IPv4), comma-separated"
)


def refusal(result):
    """What a failed start says: one line."""
    assert result.returncode != 0, result.stdout
    [line] = result.stderr.splitlines()
    return line


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        # django-environ read these as 500.0, 1.0, 250.0 and 14.0.
        ("DATABASE_STATEMENT_TIMEOUT", "500ms", "a number, over 0 seconds"),
        ("DATABASE_STATEMENT_TIMEOUT", "1,000", "a number, over 0 seconds"),
        ("DATABASE_STATEMENT_TIMEOUT", "nan", "a number, over 0 seconds"),
        ("REDIS_TIMEOUT", "250ms", "a number, over 0 and at most 15 seconds"),
        ("REDIS_TIMEOUT", "1/4", "a number, over 0 and at most 15 seconds"),
        # Every request a 500, or no cache and no throttle at all.
        ("REDIS_TIMEOUT", "-1", "a number, over 0 and at most 15 seconds"),
        ("REDIS_TIMEOUT", "0", "a number, over 0 and at most 15 seconds"),
        # Tracebacks that named no variable.
        ("CONN_MAX_AGE", "", "a whole number, 0 seconds or more"),
        ("DATABASE_CONNECT_TIMEOUT", "2.5", "a whole number, 2 seconds or more (libpq reads 1 as 2)"),
        # libpq waits 2 s for a 1.
        ("DATABASE_CONNECT_TIMEOUT", "1", "a whole number, 2 seconds or more (libpq reads 1 as 2)"),
        # Negative counts and durations, sent on (`max-age=-1`) or making no sense.
        ("RESPONSE_MAX_AGE", "-1", "a whole number, 0 seconds or more"),
        ("SECURE_HSTS_SECONDS", "-1", "a whole number, 0 (off) or more seconds"),
        ("RESPONSE_CACHE_TIMEOUT", "-1", "a whole number, 0 seconds (none) or more"),
        ("RESPONSE_CACHE_ENTRIES", "0", "a whole number, 1 or more"),
        ("RESPONSE_CACHE_BYTES", "-1", "a whole number, 0 (none) or more"),
        ("REPLAY_BYTES", "-1", "a whole number, 0 (none) or more"),
        ("CONN_MAX_AGE", "-1", "a whole number, 0 seconds or more"),
        ("LOG_LEVEL", "verbose", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL (in any case)"),
        # Read as false.
        ("DEBUG", "ture", "true or false"),
        ("SECURE_SSL_REDIRECT", "enabled", "true or false"),
        # Values that would fail later: a 500 at the first request that uses them, or a limit that is none.
        ("BROTLI_QUALITY", "12", "a whole number, 0 to 11 (Brotli's qualities)"),
        ("TRUSTED_PROXIES", "-1", "a whole number, 0 (none) or more"),
        ("TRUSTED_PROXY_ADDRESSES", "10.0.0.0/33", PROXY_ADDRESSES),
        ("TRUSTED_PROXY_ADDRESSES", "proxy.internal", PROXY_ADDRESSES),
        ("TRUSTED_PROXY_ADDRESSES", "10.0.0.7/8", PROXY_ADDRESSES),  # 10.0.0.7, or 10.0.0.0/8?
        # Never matched: a connection's address mapped into IPv6 is read as IPv4.
        ("TRUSTED_PROXY_ADDRESSES", "::ffff:10.0.0.7", PROXY_ADDRESSES),
        ("ADMIN_LOGIN_RATE", "10 per hour", "like 10/hour (a count per second, minute, hour or day)"),
        ("ADMIN_LOGIN_RATE", "0/hour", "like 10/hour (a count per second, minute, hour or day)"),
        ("ANONYMOUS_THROTTLE_RATE", "0/hour", "like 15/hour (a count per second, minute, hour or day)"),
        # DRF would read a thousand a minute.
        ("ANONYMOUS_THROTTLE_RATE", "1000/month", "like 15/hour (a count per second, minute, hour or day)"),
        ("DATABASE_CONNECT_TIMEOUT", "0", "a whole number, 2 seconds or more (libpq reads 1 as 2)"),
        ("DATABASE_STATEMENT_TIMEOUT", "-1", "a number, over 0 seconds"),
        ("DATABASE_RETRY_AFTER", "-5", "a whole number, 0 seconds or more"),
        # gunicorn's too: a request path would never start with it (each a 500 of gunicorn's).
        ("SCRIPT_NAME", "mirror", "a path like /mirror (no / at its end), or empty"),
        ("SCRIPT_NAME", "/mirror?x", "a path like /mirror (no / at its end), or empty"),
        ("SCRIPT_NAME", "//mirror", "a path like /mirror (no / at its end), or empty"),
        ("SCRIPT_NAME", "//[x", "a path like /mirror (no / at its end), or empty"),
        # gunicorn strips it whole: each path was then `2.3.0/…`, or `…` (every one a 404).
        ("SCRIPT_NAME", "/mirror/", "a path like /mirror (no / at its end), or empty"),
        ("SCRIPT_NAME", "/", "a path like /mirror (no / at its end), or empty"),
        # gunicorn compares it with the path as sent, percent-encoded (a 500 each); Django encodes a % again.
        ("SCRIPT_NAME", "/my mirror", "a path like /mirror (no / at its end), or empty"),
        ("SCRIPT_NAME", "/é", "a path like /mirror (no / at its end), or empty"),
        ("SCRIPT_NAME", "/a%20b", "a path like /mirror (no / at its end), or empty"),
    ],
)
def test_a_value_that_is_not_what_the_variable_takes_stops_the_start(name, value, expected):
    result = start(name, SECRET_KEY=KEY, **{name: value})
    assert refusal(result) == f"{name} must be {expected}, not {value!r}"


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("DATABASE_STATEMENT_TIMEOUT", "1e1", "10.0"),  # django-environ: 11.0
        ("DATABASE_STATEMENT_TIMEOUT", " 0.5 ", "0.5"),
        ("DATABASE_CONNECT_TIMEOUT", "2", "2"),
        ("RESPONSE_MAX_AGE", "0", "0"),
        ("SECURE_SSL_REDIRECT", "Yes", "True"),
        ("SECURE_SSL_REDIRECT", "n", "False"),
        ("ALLOWED_HOSTS", "api.example.org, www.example.org", "['api.example.org', 'www.example.org']"),
        ("ALLOWED_HOSTS", "api.example.org,", "['api.example.org']"),
        (
            "CORS_ALLOWED_ORIGINS",
            " https://a.example.org ,https://b.example.org",
            "['https://a.example.org', 'https://b.example.org']",
        ),
        (
            "CORS_ALLOWED_ORIGINS",
            "http://127.0.0.1:8080,null,http://[::1]:8080,https://a.example.org:8443,https://xn--bcher-kva.example",
            "['http://127.0.0.1:8080', 'null', 'http://[::1]:8080', 'https://a.example.org:8443', "
            "'https://xn--bcher-kva.example']",
        ),
        ("REDIS_URL", "unix:///run/redis.sock", "unix:///run/redis.sock"),
        (
            "REDIS_URL",
            "rediss://cache:6380/1,redis://replica:6379/1",
            "rediss://cache:6380/1,redis://replica:6379/1",
        ),
    ],
)
def test_a_value_is_read_as_written(name, value, read):
    result = start(name, SECRET_KEY=KEY, **{name: value})
    assert result.stdout.strip() == read, result.stderr


def test_the_log_level_is_taken_in_any_case():
    result = start("LOGGING['root']['level']", SECRET_KEY=KEY, LOG_LEVEL="debug")
    assert result.stdout.strip() == "DEBUG", result.stderr


def test_a_blank_secret_key_is_none():
    result = start("SECRET_KEY", SECRET_KEY="   ", DEBUG="false")
    assert refusal(result).startswith("Set SECRET_KEY to a long random string")


def test_a_secret_key_is_taken_as_written():
    # django-environ took a value starting with `$` (Django's generator may make one) for a variable's name.
    result = start("SECRET_KEY", SECRET_KEY=f"${KEY}")
    assert result.stdout.strip() == f"${KEY}", result.stderr


@pytest.mark.parametrize(
    ("hosts", "refused"),
    [
        # A comment after the value (.env keeps it), another separator, a port, a scheme: each matched no
        # request's host, and every request was refused while the probes answered that all was well.
        ("api.example.org # the public name", "api.example.org # the public name"),
        ("api.example.org;www.example.org", "api.example.org;www.example.org"),
        ("localhost, api.example.org:8000", "api.example.org:8000"),
        ("https://api.example.org", "https://api.example.org"),
        ("::1", "::1"),
        ("api_example.org", "api_example.org"),
    ],
)
def test_a_host_no_request_can_name_stops_the_start(hosts, refused):
    expected = (
        "host names like api.example.org, .example.org (and its subdomains), 203.0.113.7, [2001:db8::7] "
        "or *, comma-separated"
    )
    result = start("ALLOWED_HOSTS", SECRET_KEY=KEY, ALLOWED_HOSTS=hosts)
    assert refusal(result) == f"ALLOWED_HOSTS must be {expected}, not {refused!r}"


def test_every_kind_of_allowed_host_is_taken():
    hosts = "api.example.org, .Example.org,example.org.,203.0.113.7,[2001:db8::7],*"
    result = start("ALLOWED_HOSTS", SECRET_KEY=KEY, ALLOWED_HOSTS=hosts)
    assert result.stdout.strip() == str([host.strip() for host in hosts.split(",")]), result.stderr


@pytest.mark.parametrize("hosts", ["", " , "])
def test_no_allowed_host_stops_the_start_unless_debugging(hosts):
    result = start("ALLOWED_HOSTS", SECRET_KEY=KEY, ALLOWED_HOSTS=hosts)
    assert refusal(result) == (
        "ALLOWED_HOSTS must be comma-separated host names, at least one (none refuses every request), not []"
    )
    debugging = start("ALLOWED_HOSTS", SECRET_KEY=KEY, ALLOWED_HOSTS=hosts, DEBUG="true")
    assert debugging.stdout.strip() == "[]", debugging.stderr  # Django's local hosts, then


@pytest.mark.parametrize(
    ("origins", "refused"),
    [
        # django-cors-headers' system check refused it in a traceback, and for commands alone: gunicorn
        # served, and let the page at `Origin: notanorigin` read the API.
        ("notanorigin", "notanorigin"),
        ("https://a.example.org, b.example.org", "b.example.org"),
        ("https://a.example.org/", "https://a.example.org/"),  # a browser's Origin has no path
        ("https://a.example.org?x", "https://a.example.org?x"),
        # Never what a browser sends, which django-cors-headers compares as written: they matched no one.
        ("https://A.example.org", "https://A.example.org"),
        ("https://a.example.org:443", "https://a.example.org:443"),
        ("https://u@a.example.org", "https://u@a.example.org"),
        ("https://a.example.org#", "https://a.example.org#"),
        # A traceback, not a line.
        ("http://[::1", "http://[::1"),
        ("https://a.example.org:99999", "https://a.example.org:99999"),
        # Sent as xn--bcher-kva.example, [::1], [::ffff:7f00:1] and 127.0.0.1.
        ("https://bücher.example", "https://bücher.example"),
        ("http://[0:0::1]:8080", "http://[0:0::1]:8080"),
        ("http://[::ffff:127.0.0.1]", "http://[::ffff:127.0.0.1]"),
        ("http://127.1", "http://127.1"),
        ("http://a.0x7f", "http://a.0x7f"),
        ("http://a b", "http://a b"),
    ],
)
def test_an_origin_no_browser_sends_stops_the_start(origins, refused):
    result = start("CORS_ALLOWED_ORIGINS", SECRET_KEY=KEY, CORS_ALLOWED_ORIGINS=origins)
    expected = (
        "origins as browsers send them, comma-separated: like https://dashboard.example.org or "
        "http://127.0.0.1:8080 (in lower case, no default port, nothing after)"
    )
    assert refusal(result) == f"CORS_ALLOWED_ORIGINS must be {expected}, not {refused!r}"


def test_replica_urls_are_read_without_their_spaces():
    show = "DATABASES['replica_0']['HOST'], settings.DATABASES['replica_1']['HOST'], len(settings.DATABASES)"
    replicas = "postgres://u@replica-1/spacedevs , postgres://u@replica-2/spacedevs,"
    result = start(show, SECRET_KEY=KEY, DATABASE_REPLICA_URLS=replicas)
    assert result.stdout.strip() == "replica-1 replica-2 3", result.stderr


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "http://cache:6379", "redis://cache:port/0"])
def test_a_redis_url_redis_py_cannot_read_stops_the_start(url):
    assert refusal(start("REDIS_URL", SECRET_KEY=KEY, REDIS_URL=url)) == (
        "REDIS_URL must be empty or a redis://, rediss:// or unix:// URL, e.g. redis://cache:6379/0"
    )


POSTGRESQL_URL = "a PostgreSQL URL like postgres://user:password@host:5432/name"
PASSWORD_ESCAPES = "(a password's / ? % as %2F %3F %25)"
EITHER_DATABASE = (
    f"{POSTGRESQL_URL} or an SQLite one like sqlite:////var/lib/spacedevs/db.sqlite3 {PASSWORD_ESCAPES}"
)


@pytest.mark.parametrize(
    ("name", "url", "expected"),
    [
        ("DATABASE_URL", "postgres://spacedevs:s3cr/et@db:5432/spacedevs", EITHER_DATABASE),
        ("DATABASE_URL", "", EITHER_DATABASE),
        # django-environ reads them, but their drivers are not installed: a traceback in every worker.
        ("DATABASE_URL", "mysql://spacedevs:s3cret@db/spacedevs", EITHER_DATABASE),
        ("DATABASE_URL", "postgis://spacedevs:s3cret@db/spacedevs", EITHER_DATABASE),
        (
            "DATABASE_REPLICA_URLS",
            "postgres://spacedevs:s3cr?et@replica:5432/spacedevs",
            f"{POSTGRESQL_URL} {PASSWORD_ESCAPES}",
        ),
        # A replica is a streaming replica of PostgreSQL.
        ("DATABASE_REPLICA_URLS", "sqlite:////tmp/s3cret.sqlite3", f"{POSTGRESQL_URL} {PASSWORD_ESCAPES}"),
    ],
)
def test_a_database_url_that_cannot_be_read_stops_the_start_without_showing_it(name, url, expected):
    result = start("DATABASES", SECRET_KEY=KEY, **{name: url})
    assert refusal(result) == f"{name} must be {expected}"
    assert "s3cr" not in result.stderr


POSTGRESQL = "postgres://u@db/spacedevs"


@pytest.mark.parametrize(
    ("variables", "total"),
    [
        ({"DATABASE_CONNECT_TIMEOUT": "3", "DATABASE_STATEMENT_TIMEOUT": "40"}, "43.0"),
        ({"DATABASE_CONNECT_TIMEOUT": "10", "DATABASE_STATEMENT_TIMEOUT": "5.5"}, "15.5"),
        ({"DATABASE_CONNECT_TIMEOUT": "2", "DATABASE_STATEMENT_TIMEOUT": "13.001"}, "15.001"),
        # A URL's own connect_timeout is the one that counts.
        ({"DATABASE_URL": f"{POSTGRESQL}?connect_timeout=60"}, "65.0"),
        ({"DATABASE_REPLICA_URLS": "postgres://u@replica/spacedevs?connect_timeout=11"}, "16.0"),
        # A replica without one connects within the variable's.
        (
            {
                "DATABASE_URL": f"{POSTGRESQL}?connect_timeout=2",
                "DATABASE_REPLICA_URLS": POSTGRESQL,
                "DATABASE_CONNECT_TIMEOUT": "12",
            },
            "17.0",
        ),
    ],
)
def test_database_deadlines_past_what_gunicorn_waits_for_stop_the_start(variables, total):
    # The worker would be killed (gunicorn's HTML 500) before the request's 503.
    result = start("DATABASE_STATEMENT_TIMEOUT", SECRET_KEY=KEY, **{"DATABASE_URL": POSTGRESQL} | variables)
    assert refusal(result) == (
        "DATABASE_CONNECT_TIMEOUT (or a database URL's connect_timeout) + "
        "DATABASE_STATEMENT_TIMEOUT must be at most 15 seconds (twice inside gunicorn's 30 s worker "
        f"timeout), not {total}"
    )


@pytest.mark.parametrize("timeout", ["-1", "0.5", "1", "abc"])
def test_a_database_urls_connect_timeout_is_held_to_the_variables_rule(timeout):
    # psycopg reads -1 and 0.5 as 130 s, and 1 as 2.
    result = start("DATABASES", SECRET_KEY=KEY, DATABASE_URL=f"postgres://u@db/x?connect_timeout={timeout}")
    assert refusal(result) == (
        "DATABASE_URL's connect_timeout must be a whole number, 2 seconds or more "
        f"(libpq reads 1 as 2), not {timeout!r}"
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("conn_max_age=600s", "conn_max_age must be a number, 0 seconds or more, or None, not '600s'"),
        ("conn_max_age=-1", "conn_max_age must be a number, 0 seconds or more, or None, not '-1'"),
        ("conn_health_checks=maybe", "conn_health_checks must be true or false, not 'maybe'"),
        ("ATOMIC_REQUESTS=2", "ATOMIC_REQUESTS must be true or false, not '2'"),
    ],
)
def test_djangos_options_in_a_database_url_stop_the_start_unless_they_are_what_they_take(query, expected):
    # django-environ kept `600s` as it was: every request failed (a number plus a text).
    result = start("DATABASES", SECRET_KEY=KEY, DATABASE_REPLICA_URLS=f"{POSTGRESQL}?{query}")
    assert refusal(result) == f"DATABASE_REPLICA_URLS's {expected}"


@pytest.mark.parametrize(
    ("query", "read"),
    [
        ("conn_max_age=600&conn_health_checks=false", (600, False, False)),
        ("CONN_MAX_AGE=none&conn_health_checks=Yes&atomic_requests=on", (None, True, True)),
        ("conn_max_age=1e3", (1000.0, False, False)),  # as django-environ read it (Django takes any number)
        ("", (60, False, False)),  # Django's defaults, but the variable CONN_MAX_AGE's
    ],
)
def test_djangos_options_in_a_database_url_are_read_as_the_variables_are(query, read):
    result = start(
        "DATABASES['default']", SECRET_KEY=KEY, DATABASE_URL=f"{POSTGRESQL}?{query}", CONN_MAX_AGE="60"
    )
    settings = ast.literal_eval(result.stdout)
    keys = ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "ATOMIC_REQUESTS")
    assert tuple(settings.get(key, False) for key in keys) == read


@pytest.mark.parametrize(
    "database_url", [f"{POSTGRESQL}?connect_timeout=2", "sqlite:///db.sqlite3"], ids=["its-own", "sqlite"]
)
def test_a_connect_timeout_no_database_connects_within_does_not_count(database_url):
    result = start(
        "DATABASE_STATEMENT_TIMEOUT", SECRET_KEY=KEY, DATABASE_URL=database_url, DATABASE_CONNECT_TIMEOUT="12"
    )
    assert result.stdout.strip() == "5.0", result.stderr


def test_database_deadlines_up_to_half_of_what_gunicorn_waits_for_are_taken():
    # 3 s to connect and 12 for a statement: 15, half of gunicorn's 30 exactly.
    deadlines = {"DATABASE_CONNECT_TIMEOUT": "3", "DATABASE_STATEMENT_TIMEOUT": "12"}
    result = start("DATABASE_STATEMENT_TIMEOUT", SECRET_KEY=KEY, DATABASE_URL=POSTGRESQL, **deadlines)
    assert result.stdout.strip() == "12.0", result.stderr


GUNICORN_VARIABLES = ("BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "LOG_FORMAT")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("WEB_CONCURRENCY", "0", "a whole number, 1 or more"),  # no worker
        ("GUNICORN_THREADS", "many", "a whole number, 1 or more"),
        ("BIND", "", "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock"),  # listening nowhere
        ("BIND", " 127.0.0.1:8000", "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock"),
        # Tracebacks of gunicorn's.
        ("BIND", "127.0.0.1:99999", "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock"),
        ("BIND", "127.0.0.1:-1", "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock"),
        # gunicorn's `Error: 'http' is not a valid port number.`, naming no variable.
        ("BIND", "127.0.0.1:http", "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock"),
        ("BIND", "[::1", "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock"),
        ("BIND", "fd://3", "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock"),
    ],
)
def test_gunicorn_refuses_its_variables_in_one_line(name, value, expected):
    # Before, gunicorn's master ran on with no worker or no socket (never exiting), or printed a traceback.
    env = {key: item for key, item in os.environ.items() if key not in GUNICORN_VARIABLES}
    env |= {"BIND": "127.0.0.1:0", name: value}
    command = [sys.executable, "-m", "gunicorn", "--config", "python:spacedevs.gunicorn_config"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=20)
    assert (result.returncode, result.stderr) == (1, f"{name} must be {expected}, not {value!r}\n")


REFUSED_LOG_LEVEL = "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (in any case), not 'loud'"


def test_a_command_says_a_refused_value_in_one_line():
    # Django's traceback (55 lines) named the variable in its last line only.
    env = os.environ | {"SECRET_KEY": KEY, "LOG_LEVEL": "loud"}
    command = [sys.executable, "manage.py", "migrate"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (1, f"{REFUSED_LOG_LEVEL}\n")


def test_the_server_says_a_refused_value_in_one_line_before_any_worker_boots():
    # Each of the production's four workers printed Django's traceback, and gunicorn, halting while the
    # others still booted, often its own.
    env = {key: item for key, item in os.environ.items() if key not in GUNICORN_VARIABLES}
    env |= {"SECRET_KEY": KEY, "LOG_LEVEL": "loud", "BIND": "127.0.0.1:0", "WEB_CONCURRENCY": "4"}
    command = [sys.executable, "-m", "gunicorn", "--config", "python:spacedevs.gunicorn_config"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (1, f"{REFUSED_LOG_LEVEL}\n")


COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
# What a client asks before its startup message: SSL, GSSAPI encryption.
ENCRYPTION_REQUESTS = (80877103, 80877104)
CLEARTEXT_PASSWORD = 3


def interpolated(value, variables):
    """`value` as compose interpolates it (`${NAME}`, `${NAME:?error}`, `${NAME:-default}`)."""
    return re.sub(r"\$\{(\w+)(?::[?-][^}]*)?\}", lambda match: variables.get(match[1], ""), value)


def catch_password(server, caught):
    """Serves one client of `server` as PostgreSQL does up to asking for its password in clear text, and
    appends the password to `caught`."""
    connection, _ = server.accept()
    with connection, connection.makefile("rb") as stream:
        length, code = struct.unpack("!ii", stream.read(8))
        while code in ENCRYPTION_REQUESTS:
            connection.sendall(b"N")  # neither: go on in plain text
            length, code = struct.unpack("!ii", stream.read(8))
        stream.read(length - 8)  # the startup message's parameters
        connection.sendall(b"R" + struct.pack("!ii", 8, CLEARTEXT_PASSWORD))
        assert stream.read(1) == b"p"
        (length,) = struct.unpack("!i", stream.read(4))
        caught.append(stream.read(length - 4).removesuffix(b"\0").decode())


def test_the_composed_services_give_postgresql_any_password_as_it_is():
    # As `openssl rand -base64` makes them, and worse: in the URL, the `/` ended the host part.
    password = "p@ss:w/rd+=#?%41"
    variables = {"SECRET_KEY": KEY, "ALLOWED_HOSTS": "api.example.org", "POSTGRES_PASSWORD": password}
    composed = {
        name: interpolated(value, variables) for name, value in COMPOSE["x-app"]["environment"].items()
    }
    caught = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        catcher = threading.Thread(target=catch_password, args=(server, caught), daemon=True)
        catcher.start()
        port = server.getsockname()[1]
        composed["DATABASE_URL"] = composed["DATABASE_URL"].replace("@db:5432/", f"@127.0.0.1:{port}/")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PG", "DATABASE_"))}
        connect = (
            "import django; django.setup(); from django.db import connection; connection.ensure_connection()"
        )
        subprocess.run(
            [sys.executable, "-c", connect], cwd=ROOT, env=env | composed, capture_output=True, timeout=30
        )
        catcher.join(timeout=5)
    assert caught == [password]
