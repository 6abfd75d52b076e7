"""With a real streaming replica (bin/postgres start --replica, as bin/test starts it): API requests read
from the replica, imports write (and read) on the primary, and the replica's answers follow the primary."""

import os
import time

import httpx
import psycopg
import pytest
from django.db import connection

from .conftest import fixture_events, fixture_files
from .instances import Instance

REPLICA_URL = os.environ.get("DATABASE_REPLICA_TEST_URL")
pytestmark = pytest.mark.skipif(
    not REPLICA_URL and not os.environ.get("SPACEDEVS_EXPECT_REPLICA"),
    reason="needs a PostgreSQL streaming replica: DATABASE_REPLICA_TEST_URL (bin/test starts one)",
)


def server_url(base, database, application):
    """`base`'s server, this test's database, connections named `application` (in pg_stat_activity)."""
    return f"{base.rsplit('/', 1)[0]}/{database}?application_name={application}"


def ask(url, query, *params):
    """One value from `query` on `url`'s server, asked over a connection of the test's own."""
    plain_url = url.split("?")[0].replace("postgres://", "postgresql://", 1)
    with psycopg.connect(plain_url) as database:
        return database.execute(query, params).fetchone()[0]


def connections_named(url, application):
    return ask(url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", application)


@pytest.fixture
def replicated(transactional_db, tmp_path):
    """gunicorn over this test's database on the primary, with the replica's copy of it as a read replica."""
    assert REPLICA_URL, "bin/test sets DATABASE_REPLICA_TEST_URL"
    database = connection.settings_dict
    primary_base = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/x"
    primary = server_url(primary_base, database["NAME"], "spacedevs-test-primary")
    replica = server_url(REPLICA_URL, database["NAME"], "spacedevs-test-replica")
    instance = Instance(tmp_path, DATABASE_URL=primary, DATABASE_REPLICA_URLS=replica)
    yield instance.serve(), primary, replica
    instance.stop()


def test_api_requests_read_from_the_replica_and_imports_write_on_the_primary(replicated):
    server, primary, replica = replicated
    assert (ask(primary, "SELECT pg_is_in_recovery()"), ask(replica, "SELECT pg_is_in_recovery()")) == (
        False,
        True,
    )
    for path in ("/events/", "/events/upcoming/?mode=list", "/events/352/", "/events/?format=api"):
        httpx.get(f"{server.base_url}{path}")
    # The worker's only connections (kept between requests) are on the server in recovery.
    assert connections_named(replica, "spacedevs-test-replica") >= 1
    assert connections_named(primary, "spacedevs-test-primary") == 0

    # A write on a replica would fail ("read-only transaction"): the import runs on the primary.
    server.manage("import_ll2", *fixture_files(), "--no-progress")
    imported = len(fixture_events())
    assert ask(primary, "SELECT count(*) FROM events_event") == imported
    deadline = time.monotonic() + 10
    while httpx.get(f"{server.base_url}/events/?format=json").json()["count"] != imported:
        assert time.monotonic() < deadline, "the replica never caught up"
        time.sleep(0.05)
    assert httpx.get(f"{server.base_url}/events/352/").status_code == 200
    assert connections_named(primary, "spacedevs-test-primary") == 0  # the commands' connections are gone
