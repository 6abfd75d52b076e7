"""The suite runs on the database its runner promised (bin/test: PostgreSQL), not on a silent fallback."""

import os

import pytest
from django.db import connection

# What each vendor's server says it is, asked over the connection the tests use.
PROBES = {
    "postgresql": ("SELECT version()", "PostgreSQL "),
    "sqlite": ("SELECT 'SQLite ' || sqlite_version()", "SQLite "),
}


def test_runs_on_the_database_the_runner_promised(db):
    expected = os.environ.get("SPACEDEVS_EXPECT_DATABASE")
    if not expected:
        pytest.skip("SPACEDEVS_EXPECT_DATABASE is unset, so no database was promised (bin/test sets it)")
    assert connection.vendor == expected, f"promised {expected}, but the tests run on {connection.vendor}"
    query, answer = PROBES[expected]
    with connection.cursor() as cursor:
        cursor.execute(query)
        assert cursor.fetchone()[0].startswith(answer)
