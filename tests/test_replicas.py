"""With a real streaming replica (bin/postgres start --replica, as bin/test starts it): API requests read
from the replica, imports write (and read) on the primary, and the replica's answers follow the primary."""

import os
import time

import psycopg
import pytest
from django.db import connection

from .conftest import fixture_events, fixture_files
from .instances import Instance, http_get

REPLICA_URL = os.environ.get("DATABASE_REPLICA_TEST_URL")
pytestmark = pytest.mark.skipif(
    not REPLICA_URL and not os.environ.get("SPACEDEVS_EXPECT_REPLICA"),
    reason="needs a PostgreSQL streaming replica: DATABASE_REPLICA_TEST_URL (bin/test starts one)",
)


def server_url(base, database):
    """`base`'s server, this test's database."""
    return f"{base.rsplit('/', 1)[0]}/{database}"


def connect(url):
    """A connection of the test's own to `url`'s server (psycopg's spelling of the scheme)."""
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def ask(url, query, *params):
    """One value from `query` on `url`'s server."""
    with connect(url) as database:
        return database.execute(query, params).fetchone()[0]


@pytest.fixture
def replicated(transactional_db, tmp_path):
    """gunicorn over this test's database on the primary, with the replica's copy of it as a read replica."""
    assert REPLICA_URL, "bin/test sets DATABASE_REPLICA_TEST_URL"
    database = connection.settings_dict
    primary_base = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/x"
    primary = server_url(primary_base, database["NAME"])
    replica = server_url(REPLICA_URL, database["NAME"])
    instance = Instance(tmp_path, DATABASE_URL=primary, DATABASE_REPLICA_URLS=replica)
    yield instance.serve(), primary, replica
    instance.stop()


def write(url, statement):
    """`statement` committed on `url`'s server."""
    with connect(url) as database:
        database.execute(statement)


def test_a_write_is_seen_at_once_and_the_replica_read_once_it_holds_it(replicated):
    server, primary, replica = replicated
    assert (ask(primary, "SELECT pg_is_in_recovery()"), ask(replica, "SELECT pg_is_in_recovery()")) == (
        False,
        True,
    )
    # The replica stops replaying the primary's changes: the import below does not reach it.
    ask(replica, "SELECT pg_wal_replay_pause()")
    try:
        # A write on a replica would fail ("read-only transaction"): the import runs on the primary.
        server.manage("import_ll2", *fixture_files(), "--no-progress")
        imported = len(fixture_events())
        counts = [ask(url, "SELECT count(*) FROM events_event") for url in (primary, replica)]
        assert counts == [imported, 0]
        # The very next requests see it: their replica is behind, so they read from the primary.
        assert http_get(f"{server.base_url}/events/?format=json").json()["count"] == imported
        assert http_get(f"{server.base_url}/events/352/").status_code == 200
    finally:
        ask(replica, "SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 10
    while ask(replica, "SELECT count(*) FROM events_event") != imported:
        assert time.monotonic() < deadline, "the replica never caught up"
        time.sleep(0.05)

    # Caught up, the replica serves the pages. Seen by a change the application never makes: a row changed
    # on the primary alone, the data version left as it is, so that the replica still holds that version.
    ask(replica, "SELECT pg_wal_replay_pause()")
    try:
        write(primary, "UPDATE events_event SET name = 'Seen on the primary only' WHERE id = 352")
        on_primary = ask(primary, "SELECT count(*) FROM events_event WHERE name = 'Seen on the primary only'")
        found = http_get(f"{server.base_url}/events/?search=primary%20only&format=json").json()
        assert (on_primary, found["count"]) == (1, 0)  # read on the replica
    finally:
        ask(replica, "SELECT pg_wal_replay_resume()")
