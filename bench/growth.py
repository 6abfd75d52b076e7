"""The first pages at the largest size against the same pages at the smallest, measured side by side.

The sizes are measured minutes apart, and an uncached page's p50 on one connection moves by a third between
runs of the same code on this machine (`detailed&limit=100` at 1,000 events: 2.9 ms in one run, 3.9 in the
next): a ratio of two sizes' p50s measured minutes apart said more of that noise than of growth. So the
database as it stood at the smaller size is kept (`kept_copy`: a copy made with PostgreSQL's CREATE
DATABASE … TEMPLATE, before the import grows it), and at the larger size two servers run at once, one on
each database, taking turns at each page: ROUNDS rounds, the first to go alternating, the median of each
side's p50s.
"""

import contextlib
import time
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from bench.cases import close_django_connection
from bench.measure import LOGS, warm_up
from bench.servers import Gunicorn

ROUNDS = 5
# CREATE DATABASE … TEMPLATE refuses while another session is connected to the template: autovacuum may be,
# for a moment.
COPY_ATTEMPTS = 20
COPY_RETRY_SECONDS = 0.5


def with_database(url, name):
    """`url` naming the database `name` instead (its options kept)."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def _maintenance(database_url):
    return psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True)


@contextlib.contextmanager
def kept_copy(database_url, size):
    """A copy of the database of `database_url` as it is now (at `size` events), yielding the copy's name;
    dropped on the way out."""
    name = f"{urlsplit(database_url).path.lstrip('/')}_at_{size}"
    close_django_connection()  # a session on the template would refuse the copy
    with _maintenance(database_url) as connection:
        template = sql.Identifier(urlsplit(database_url).path.lstrip("/"))
        for attempt in range(COPY_ATTEMPTS):
            try:
                connection.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), template)
                )
                break
            except psycopg.errors.ObjectInUse:
                if attempt == COPY_ATTEMPTS - 1:
                    raise
                time.sleep(COPY_RETRY_SECONDS)
    try:
        yield name
    finally:
        with _maintenance(database_url) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            connection.execute(drop)


def measure_growth(sizes, server_urls, cases, wrk, say):
    """{"sizes": [small, large], "cases": {name: {"small_p50_ms": [...], "large_p50_ms": [...]}}}: each of
    `cases` uncached (every URL new) on one connection, on a server of each of `server_urls` (the smaller
    size's database, then the larger's), in turns, ROUNDS times."""
    small, large = sizes
    close_django_connection()
    rounds = {case.name: {"small_p50_ms": [], "large_p50_ms": []} for case in cases}
    logs = [LOGS / f"gunicorn-growth-{size}.log" for size in sizes]
    with (
        Gunicorn(server_urls[0], log_path=logs[0]) as at_small,
        Gunicorn(server_urls[1], log_path=logs[1]) as at_large,
    ):
        servers = (("small_p50_ms", at_small), ("large_p50_ms", at_large))
        for server in (at_small, at_large):
            server.wait_until_answering()
            warm_up(server, cases, wrk)
        for number in range(ROUNDS):
            for case in cases:
                say(f"  {small:,} and {large:,} events side by side: {case.name}, round {number + 1}")
                turn = servers if number % 2 == 0 else servers[::-1]
                for side, server in turn:
                    url = server.base_url + case.url_path
                    measurement = wrk.latency(url, unique=True, headers=dict(case.headers))
                    rounds[case.name][side].append(measurement.as_dict()["p50_ms"])
    return {"sizes": [small, large], "rounds": ROUNDS, "cases": rounds}
