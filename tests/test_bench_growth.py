"""The benchmark's growth measured side by side (bench/growth.py): the database kept as it was at the smaller
size, and the report's table of the two sizes' p50s."""

import os

import psycopg
import pytest
from django.db import connection
from psycopg.conninfo import make_conninfo

from bench.dataset import SyntheticFill
from bench.growth import kept_copy, with_database
from bench.report import growth_tables


def test_another_database_keeps_the_urls_options():
    url = "postgres://postgres@127.0.0.1:5432/spacedevs?conn_max_age=60"
    assert with_database(url, "spacedevs_at_1000") == (
        "postgres://postgres@127.0.0.1:5432/spacedevs_at_1000?conn_max_age=60"
    )


def event_count(url):
    with psycopg.connect(url) as database:
        return database.execute("SELECT count(*) FROM events_event").fetchone()[0]


def database_names(url):
    with psycopg.connect(make_conninfo(url, dbname="postgres")) as database:
        return {name for (name,) in database.execute("SELECT datname FROM pg_database")}


@pytest.mark.django_db(transaction=True)
def test_a_kept_copy_holds_the_database_as_it_was_until_it_is_dropped():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's CREATE DATABASE … TEMPLATE")
    fill = SyntheticFill(30, seed=7)
    fill.grow_to(20)
    url = with_database(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    with kept_copy(url, 20) as name:
        fill.grow_to(30)
        assert (event_count(url), event_count(with_database(url, name))) == (30, 20)
    assert name == f"{connection.settings_dict['NAME']}_at_20"
    assert name not in database_names(url)


def test_the_report_gives_each_round_and_the_ratio_of_the_medians():
    growth = {
        "sizes": [1000, 100000],
        "rounds": 3,
        "cases": {"list 100": {"small_p50_ms": [2.0, 9.0, 1.9], "large_p50_ms": [3.3, 3.2, 1.0]}},
    }
    title, _explanation, table = growth_tables(growth)
    assert title == "### The first pages at 1,000 and 100,000 events, side by side"
    assert table.splitlines() == [
        "| case | p50 ms at 1,000, by round | at 100,000 | ratio of the medians |",
        "|---|---|---|---|",
        "| `list 100` | 2.00, 9.00, 1.90 | 3.30, 3.20, 1.00 | 1.60x |",
    ]
