"""The benchmark's database floor: its statements return the page's documents, on a connection set as a web
worker's is."""

import json

import psycopg
import pytest
from django.db import connection
from psycopg.conninfo import make_conninfo

from bench.cases import Case, page_statements, web_session_options
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


@pytest.mark.usefixtures("all_fixtures")
@pytest.mark.parametrize(
    "path",
    [
        "events/?mode=list&limit=10&offset=20",
        "events/upcoming/?mode=detailed&limit=100",
        "events/?search=Soyuz&mode=normal&limit=100&ordering=-last_updated",
    ],
)
def test_a_pages_floor_statements_each_return_its_documents_in_its_order(client, path):
    statements, expected, count = page_statements(Case(path, path, "normal", "page"))
    pages = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            pages.append([json.loads(row[-1])["id"] for row in cursor.fetchall()])
        cursor.execute(*count)
        [(counted,)] = cursor.fetchall()
    shown = client.get(f"/2.3.0/{path}", HTTP_ACCEPT="application/json").json()
    ids = [event["id"] for event in shown["results"]]
    assert (pages, expected, counted) == ([ids, ids], len(ids), shown["count"])
    assert ids
