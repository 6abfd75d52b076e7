"""The benchmark's database floor connects as a web worker does."""

import psycopg
import pytest
from django.db import connection
from psycopg.conninfo import make_conninfo

from bench.cases import web_session_options
from spacedevs.faults import web_session_settings

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="libpq's options")


def database_conninfo(**more):
    """The test database's connection string, with libpq parameters `more`."""
    params = connection.get_connection_params()
    return make_conninfo(
        **{key: params[key] for key in ("dbname", "user", "password", "host", "port") if params.get(key)},
        **more,
    )


def session_settings(url, names):
    with psycopg.connect(url, options=web_session_options(url)) as raw:
        return {name: raw.execute(f"SHOW {name}").fetchone()[0] for name in names}


@pytest.mark.django_db
def test_the_floor_keeps_the_urls_options_and_takes_the_workers_settings(settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 7
    worker = web_session_settings()
    given = database_conninfo(options="-c work_mem=5MB -c max_parallel_workers_per_gather=3")
    found = session_settings(given, ["work_mem", *worker])
    assert found == {"work_mem": "5MB", "statement_timeout": "7s", "max_parallel_workers_per_gather": "0"}
    assert session_settings(database_conninfo(), worker) == {
        "statement_timeout": "7s",
        "max_parallel_workers_per_gather": "0",
    }
