import os

from django.db import connection


def test_runs_on_the_database_the_runner_promised():
    """bin/test promises PostgreSQL; this fails if the suite silently fell back to SQLite."""
    expected = os.environ.get("SPACEDEVS_EXPECT_DATABASE")
    assert expected in (None, connection.vendor)
