"""The benchmark's growth measured side by side (bench/growth.py): the database kept as it was at the smaller
size, the two sizes' servers taking turns, and the report's table of their p50s."""

import os
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from psycopg.conninfo import make_conninfo

from bench import growth
from bench.dataset import SyntheticFill
from bench.growth import database_name, kept_copy, with_database, with_options
from bench.report import growth_tables


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://postgres@127.0.0.1:5432/spacedevs?conn_max_age=60",
            "postgres://postgres@127.0.0.1:5432/spacedevs_at_1000?conn_max_age=60",
        ),
        ("postgres:///spacedevs?host=/run/postgresql", "postgres:///spacedevs_at_1000?host=/run/postgresql"),
    ],
)
def test_another_database_keeps_the_urls_host_or_socket_and_options(url, expected):
    assert with_database(url, "spacedevs_at_1000") == expected


def test_a_database_name_is_read_and_written_percent_encoded():
    url = "postgres://postgres@127.0.0.1/my%20data"
    assert database_name(url) == "my data"
    assert with_database(url, "my data_at_1000") == "postgres://postgres@127.0.0.1/my%20data_at_1000"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://postgres@127.0.0.1/spacedevs", "postgres://postgres@127.0.0.1/spacedevs?conn_max_age=0"),
        (
            "postgres://postgres@127.0.0.1/spacedevs?conn_max_age=60&sslmode=disable",
            "postgres://postgres@127.0.0.1/spacedevs?sslmode=disable&conn_max_age=0",
        ),
        (
            "postgres:///spacedevs?host=/run/postgresql",
            "postgres:///spacedevs?host=/run/postgresql&conn_max_age=0",
        ),
    ],
)
def test_an_option_given_to_a_url_replaces_its_own_and_keeps_the_rest(url, expected):
    assert with_options(url, conn_max_age=0) == expected


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


def test_the_report_gives_each_round_and_the_median_of_their_ratios():
    growth = {
        "sizes": [1000, 100000],
        "rounds": 3,
        "cases": {"list 100": {"small_p50_ms": [2.0, 9.0, 1.9], "large_p50_ms": [3.3, 3.2, 1.0]}},
    }
    title, _explanation, table = growth_tables(growth)
    assert title == "### The first pages at 1,000 and 100,000 events, side by side"
    assert table.splitlines() == [
        "| case | p50 ms at 1,000, by round | at 100,000 | ratio | median ratio |",
        "|---|---|---|---|---|",
        "| `list 100` | 2.00, 9.00, 1.90 | 3.30, 3.20, 1.00 | 1.65, 0.36, 0.53 | 0.53x |",
    ]


class FakeServer:
    """Stands for a gunicorn server of growth.py: its URL names its database."""

    def __init__(self, database_url, log_path):
        self.base_url = f"http://{database_url}"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass

    def wait_until_answering(self):
        pass


class FakeWrk:
    """Answers each latency run with the next p50 of `p50s` (and `errors` failed requests), noting the URL
    it was for."""

    def __init__(self, p50s, errors=0):
        self.p50s, self.errors, self.urls = iter(p50s), errors, []

    def latency(self, url, *, unique, headers):
        assert unique  # every request a new URL: uncached
        self.urls.append(url)
        figures = {"p50_ms": next(self.p50s), "errors": self.errors}
        return SimpleNamespace(as_dict=lambda: figures)


def test_the_two_sizes_take_turns_the_first_alternating_by_round(monkeypatch):
    monkeypatch.setattr(growth, "Gunicorn", FakeServer)
    monkeypatch.setattr(growth, "warm_up", lambda server, cases, wrk: None)
    monkeypatch.setattr(growth, "ROUNDS", 2)
    cases = [SimpleNamespace(name=name, url_path=f"/{name}", headers=()) for name in ("a", "b")]
    wrk = FakeWrk([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    figures = growth.measure_growth((1000, 100000), ("small", "large"), cases, wrk, say=lambda message: None)
    assert wrk.urls == [
        "http://small/a", "http://large/a", "http://small/b", "http://large/b",  # round 1
        "http://large/a", "http://small/a", "http://large/b", "http://small/b",  # round 2: the other first
    ]  # fmt: skip
    assert figures == {
        "sizes": [1000, 100000],
        "rounds": 2,
        "cases": {
            "a": {"small_p50_ms": [1.0, 6.0], "large_p50_ms": [2.0, 5.0]},
            "b": {"small_p50_ms": [3.0, 8.0], "large_p50_ms": [4.0, 7.0]},
        },
    }


def test_a_round_with_failed_requests_is_refused(monkeypatch):
    monkeypatch.setattr(growth, "Gunicorn", FakeServer)
    monkeypatch.setattr(growth, "warm_up", lambda server, cases, wrk: None)
    wrk = FakeWrk([1.0], errors=3)
    cases = [SimpleNamespace(name="a", url_path="/a", headers=())]
    with pytest.raises(RuntimeError, match="http://small/a: 3 requests failed"):
        growth.measure_growth((1000, 100000), ("small", "large"), cases, wrk, say=lambda message: None)
