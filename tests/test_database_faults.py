"""A database that is down, hung or back: 503 JSON with `Retry-After` within the deadlines, never a hang, an
HTML page or a 500, and a service that recovers by itself; `/health/` and `/ready/` for load balancers; a
`migrate` that cannot reach it says why in a line."""

import logging
import sqlite3
import time

import psycopg
import pytest
from django.core.management import execute_from_command_line
from django.db import InterfaceError, OperationalError, ProgrammingError, connection, connections
from django.test import Client
from django.test.utils import override_script_prefix

from spacedevs.driver import fetch_one
from spacedevs.faults import (
    DatabaseTimedOut,
    QueryDeadline,
    QueryDeadlineMiddleware,
    is_database_unavailable,
    web_session_settings,
)
from spacedevs.models import DataState
from spacedevs.settings import FAULT_WAIT
from spacedevs.turns import LEASE_SECONDS

from .conftest import SEED, import_files
from .instances import Instance, http_get
from .tcp_relay import Relay
from .wsgi_client import WSGIClient

UNAVAILABLE = {"detail": "The database is unavailable. Try again shortly."}


def unreachable(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.mark.django_db
def test_an_unreachable_database_is_a_503_with_retry_after(monkeypatch):
    monkeypatch.setattr(DataState, "_read", unreachable)
    response = Client(raise_request_exception=False).get("/2.3.0/events/", HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("probe", ["/health/", "/health"])
def test_health_says_the_process_serves_without_asking_the_database(client, probe):
    response = client.get(probe)  # this test may not use the database: a query would be an error
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    # Load balancers probe by address, which ALLOWED_HOSTS need not name; and HTTP/1.1's missing Host.
    for host in ("10.0.0.7:8000", ""):
        assert client.get("/health/", HTTP_HOST=host).status_code == 200


@pytest.mark.parametrize("probe", ["/health/", "/ready/", "/ready"])
def test_the_probes_take_the_methods_every_route_takes(client, probe):
    # Before the database is asked: these tests may not use it.
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(probe)
        assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, OPTIONS")
        assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
    options = client.options(probe)
    assert (options.status_code, options["Allow"], options.content) == (200, "GET, HEAD, OPTIONS", b"")


@pytest.mark.django_db
@pytest.mark.parametrize("probe", ["/health/", "/ready/", "/ready"])
def test_the_probes_are_under_the_script_prefix_and_say_their_length(probe):
    with override_script_prefix("/"):  # Django's handler leaves the request's set: restored after
        response = WSGIClient().get(probe, SCRIPT_NAME="/mirror")
    assert (response.status_code, response.content) == (200, b'{"status":"ok"}')
    assert response["Content-Length"] == "15"


@pytest.mark.django_db
def test_ready_says_whether_the_database_answers(client, monkeypatch, django_assert_num_queries, caplog):
    with django_assert_num_queries(1):
        response = client.get("/ready/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    monkeypatch.setattr(connections["default"], "cursor", unreachable)
    monkeypatch.setattr(connections["default"], "ensure_connection", unreachable)  # PostgreSQL's read
    with caplog.at_level(logging.WARNING, logger="spacedevs.health"):
        response = client.get("/ready/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "detail": "The database is unavailable."}
    assert response["Retry-After"] == "5"
    # Why the host left the rotation, in the operators' log.
    assert [record.getMessage() for record in caplog.records if record.name == "spacedevs.health"] == [
        'not ready: connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    ]


@pytest.mark.django_db
def test_ready_of_a_database_that_answers_with_an_error_is_the_servers_error(monkeypatch):
    # Not the database's being away: a deployment's bug (a table missing), a 500 as anywhere else.
    def broken(*args, **kwargs):
        raise ProgrammingError('relation "x" does not exist')

    monkeypatch.setattr(connections["default"], "cursor", broken)
    monkeypatch.setattr(connections["default"], "ensure_connection", broken)
    assert Client(raise_request_exception=False).get("/ready/").status_code == 500


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", [5, FAULT_WAIT])  # FAULT_WAIT: the settings' bound
def test_a_web_workers_new_connection_has_the_deadline_and_no_parallel_workers(settings, seconds):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings")
    settings.DATABASE_STATEMENT_TIMEOUT = seconds
    QueryDeadlineMiddleware(lambda request: None)  # as a web worker starts
    new = connections.create_connection("default")
    try:
        with new.cursor() as cursor:
            cursor.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('statement_timeout', "
                "'max_parallel_workers_per_gather')"
            )
            session = dict(cursor.fetchall())
        # A read within the deadline waits for its answer that long at most (poll()'s milliseconds).
        with new.execute_wrapper(QueryDeadline(seconds)):
            assert fetch_one(new, "SELECT 1") == (1,)
    finally:
        new.close()
    assert session == web_session_settings()
    assert session["max_parallel_workers_per_gather"] == "0"


@pytest.mark.django_db
def test_a_connection_its_session_settings_could_not_reach_is_not_kept():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings")
    QueryDeadlineMiddleware(lambda request: None)  # as a web worker starts
    new = connections.create_connection("default")
    spent = QueryDeadline(5, started=time.perf_counter() - 6)  # a request's deadline that ran out
    try:
        with new.execute_wrapper(spent), pytest.raises(DatabaseTimedOut):
            new.ensure_connection()  # its settings' query is the first, and finds no time left
        assert new.connection is None
        with new.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("5s",)
    finally:
        new.close()


@pytest.mark.parametrize(
    "seconds, milliseconds",
    [(5, "5000"), (0.0004, "1"), (1.5, "1500"), (FAULT_WAIT, "15000")],
)
def test_the_servers_statement_timeout_is_in_whole_milliseconds_never_none(settings, seconds, milliseconds):
    settings.DATABASE_STATEMENT_TIMEOUT = seconds
    assert web_session_settings()["statement_timeout"] == milliseconds


@pytest.fixture
def relayed_server(db, tmp_path, request):
    """gunicorn as production runs it, over this test database reached through a Relay, with short
    deadlines: a query 1 s, connecting 2 s (libpq's least). A test's parameter, if any, is more settings
    (`indirect=True`)."""
    if connection.vendor != "postgresql":
        pytest.skip("the deadlines are PostgreSQL's (SQLite is a file: it cannot hang or go away)")
    database = connection.settings_dict
    relay = Relay((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    url = f"postgres://{database['USER']}@127.0.0.1:{relay.port}/{database['NAME']}"
    settings = {"DATABASE_STATEMENT_TIMEOUT": "1", "DATABASE_CONNECT_TIMEOUT": "2"}
    server = Instance(tmp_path, DATABASE_URL=url, **settings, **getattr(request, "param", {})).serve()
    yield server, relay
    server.stop()
    relay.stop()


def wait_out_leases():
    """Until every lease of the data state a worker holds has ended: under one, a worker replays a page it
    served without asking the database (spacedevs/turns.py)."""
    time.sleep(2 * LEASE_SECONDS)


def timed_get(server, path):
    started = time.monotonic()
    response = http_get(f"{server.base_url.removesuffix('/2.3.0')}{path}", timeout=30)
    return response, time.monotonic() - started


def workers(server):
    """The pids of the server's gunicorn workers."""
    pid = server.server.pid
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return set(children.read().split())


def assert_unavailable(response):
    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert response.content == b'{"detail":"The database is unavailable. Try again shortly."}'  # DRF's bytes
    assert response.headers["Retry-After"] == "5"


def test_a_hung_database_is_a_503_within_the_deadline_and_no_worker_dies(relayed_server):
    server, relay = relayed_server
    assert timed_get(server, "/2.3.0/events/")[0].status_code == 200  # the worker now keeps a connection
    serving = workers(server)
    relay.hang()
    wait_out_leases()
    # The kept connection's query: the 1 s deadline (not gunicorn's 30 s worker timeout).
    response, seconds = timed_get(server, "/2.3.0/events/")
    assert_unavailable(response)
    assert seconds < 2.5
    # A new connection: the 2 s connect timeout.
    response, seconds = timed_get(server, "/2.3.0/events/upcoming/")
    assert_unavailable(response)
    assert seconds < 3.5
    assert workers(server) == serving
    relay.start()
    response, seconds = timed_get(server, "/2.3.0/events/")
    assert (response.status_code, seconds < 2) == (200, True)
    assert timed_get(server, "/ready/")[0].status_code == 200
    assert workers(server) == serving


@pytest.mark.parametrize("relayed_server", [{"WEB_CONCURRENCY": "1"}], indirect=True, ids=["one-worker"])
def test_a_request_of_slow_queries_answers_within_one_deadline(relayed_server):
    # Each answer comes 0.9 s late: inside the 1 s deadline, query by query, but not the two reads of the
    # data state an uncached page makes (on this empty database, its only queries) together, once the
    # worker's lease of it has ended (spacedevs/turns.py). The page, computed from the first, stands,
    # unshared and unvalidated: nothing says it is still the data's.
    server, relay = relayed_server
    assert timed_get(server, "/2.3.0/events/")[0].status_code == 200  # the worker now keeps a connection
    wait_out_leases()
    relay.withhold_ready(0.9)
    response, seconds = timed_get(server, "/2.3.0/events/?mode=detailed")
    assert (response.status_code, "ETag" in response.headers, seconds < 1.4) == (200, False, True)
    relay.withhold_ready(None)
    assert timed_get(server, "/2.3.0/events/?mode=detailed")[0].status_code == 200


@pytest.mark.django_db
def test_a_requests_queries_share_its_deadline():
    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep")
    deadline = QueryDeadline(0.5)
    with connection.execute_wrapper(deadline), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.3)")
        with pytest.raises(DatabaseTimedOut):
            cursor.execute("SELECT pg_sleep(0.3)")
    with pytest.raises(DatabaseTimedOut):  # none left: not sent
        deadline.remaining()


@pytest.mark.parametrize(
    "relayed_server", [{"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4"}], indirect=True, ids=["threads"]
)
def test_ready_answers_a_hung_database_within_the_deadline_in_a_threaded_worker(relayed_server):
    # Threads get no timer signal: the readiness check's wait is bounded on the socket, as the API's are.
    server, relay = relayed_server
    assert timed_get(server, "/ready/")[0].status_code == 200  # the worker now keeps a connection
    relay.hang()
    response, seconds = timed_get(server, "/ready/")
    assert (response.status_code, response.json()["status"], seconds < 2.5) == (503, "unavailable", True)
    relay.start()
    assert timed_get(server, "/ready/")[0].status_code == 200


@pytest.mark.parametrize(
    "relayed_server", [{"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4"}], indirect=True, ids=["threads"]
)
def test_a_keyed_request_answers_a_hung_database_within_the_deadline_in_a_threaded_worker(relayed_server):
    # A keyed request's first query is its key's: bounded on the socket, as the data state's read is.
    server, relay = relayed_server
    keyed = {"Authorization": "Token not-a-key"}
    url = f"{server.base_url}/events/"
    for _ in range(3):  # the worker's threads now keep a connection (a 401: no such key)
        assert http_get(url, headers=keyed, timeout=30).status_code == 401
    relay.hang()
    started = time.monotonic()
    response = http_get(url, headers=keyed, timeout=30)
    assert (response.status_code, time.monotonic() - started < 3.5) == (503, True)
    relay.start()
    assert http_get(url, headers=keyed, timeout=30).status_code == 401


@pytest.mark.parametrize("relayed_server", [{"WEB_CONCURRENCY": "1"}], indirect=True, ids=["one-worker"])
def test_ready_after_a_restart_replaces_the_connection_the_database_dropped(relayed_server):
    server, relay = relayed_server
    assert timed_get(server, "/ready/")[0].status_code == 200  # the worker now keeps a connection
    relay.stop()
    relay.start()  # as a restart: every connection cut, new ones taken
    assert timed_get(server, "/ready/")[0].status_code == 200


def test_a_replica_that_cannot_answer_leaves_the_server_ready_and_serving(db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("read replicas are PostgreSQL's")
    database = connection.settings_dict
    primary = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT']}"
    replica = Relay((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    replica.stop()  # connections refused
    server = Instance(
        tmp_path,
        DATABASE_URL=f"{primary}/{database['NAME']}",
        DATABASE_REPLICA_URLS=f"postgres://{database['USER']}@127.0.0.1:{replica.port}/{database['NAME']}",
    ).serve()
    try:
        assert timed_get(server, "/ready/")[0].json() == {"status": "ok"}
        assert timed_get(server, "/2.3.0/events/")[0].json()["count"] == 0  # read on the primary
    finally:
        server.stop()


def test_a_replica_that_hangs_leaves_the_request_to_the_primary_with_its_whole_deadline(
    transactional_db, tmp_path
):
    # The replica's check spent the request's deadline (1 s here) waiting: the primary's queries had none
    # left, and a healthy primary answered 503.
    if connection.vendor != "postgresql":
        pytest.skip("read replicas are PostgreSQL's")
    import_files(SEED)  # a page to read (none is read for a count of 0)
    database = connection.settings_dict
    primary = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT']}"
    replica = Relay((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    server = Instance(
        tmp_path,
        DATABASE_URL=f"{primary}/{database['NAME']}",
        DATABASE_REPLICA_URLS=f"postgres://{database['USER']}@127.0.0.1:{replica.port}/{database['NAME']}",
        DATABASE_STATEMENT_TIMEOUT="1",
        DATABASE_CONNECT_TIMEOUT="2",
        WEB_CONCURRENCY="1",
    ).serve()
    try:
        assert timed_get(server, "/2.3.0/events/?limit=3")[0].status_code == 200  # the replica now kept
        replica.hang()
        wait_out_leases()
        response, seconds = timed_get(server, "/2.3.0/events/?limit=4")
        assert (response.status_code, seconds < 2.5) == (200, True), response.content
        assert response.json()["count"] == 1
    finally:
        server.stop()
        replica.stop()


def test_a_stopped_database_is_a_503_at_once_and_the_service_recovers_by_itself(relayed_server):
    server, relay = relayed_server
    assert timed_get(server, "/2.3.0/events/")[0].status_code == 200
    relay.stop()
    wait_out_leases()
    for path in ("/2.3.0/events/", "/2.3.0/events/352/", "/2.3.0/events/previous/?mode=detailed"):
        response, seconds = timed_get(server, path)
        assert_unavailable(response)
        assert seconds < 1
    relay.start()
    response, seconds = timed_get(server, "/2.3.0/events/")
    assert (response.status_code, seconds < 2) == (200, True)


def caused(cause):
    """Django's OperationalError wrapping the driver's `cause`, as Django raises them."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


def sqlite_error(name):
    error = sqlite3.OperationalError(name)
    error.sqlite_errorname = name
    return error


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (caused(psycopg.OperationalError("connection failed: Connection refused")), True),
        (caused(psycopg.errors.AdminShutdown()), True),
        (caused(psycopg.errors.QueryCanceled()), True),
        (caused(psycopg.errors.TooManyConnections()), True),
        (caused(psycopg.errors.ConnectionFailure()), True),
        # A replica's "canceling statement due to conflict with recovery".
        (caused(psycopg.errors.SerializationFailure()), True),
        (caused(psycopg.errors.DeadlockDetected()), False),
        (caused(psycopg.errors.LockNotAvailable()), False),
        (caused(sqlite_error("SQLITE_BUSY")), True),
        (caused(sqlite_error("SQLITE_ERROR")), False),  # no such table: a deployment's bug, a 500
        (DatabaseTimedOut("no answer"), True),
        (InterfaceError("connection already closed"), True),
        (ProgrammingError("syntax error"), False),
    ],
)
def test_only_an_unreachable_slow_or_overloaded_database_is_a_503(error, unavailable):
    assert is_database_unavailable(error) is unavailable


@pytest.mark.parametrize(
    "error",
    [
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?",
        "unable to open database file",  # SQLite's, in a folder that is not there
    ],
)
def test_a_migrate_that_cannot_reach_its_database_says_why_in_a_line(monkeypatch, capsys, error):
    def unreachable():
        raise OperationalError(error)

    monkeypatch.setattr(connections["default"], "ensure_connection", unreachable)
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "migrate", "--no-input"])
    assert exited.value.code == 1
    assert capsys.readouterr().err == f"CommandError: database error: {error.splitlines()[0]}\n"
