"""The first pages at 100,000 events against the same pages at 1,000 (targets.GROWTH_SIZES), side by side.

The sizes are measured minutes apart, and an uncached page's p50 on one connection moves by a third between
runs of the same code on this machine (`detailed&limit=100` at 1,000 events: 2.9 ms in one run, 3.9 in the
next): a ratio of two sizes' p50s measured minutes apart said more of that noise than of growth. So the
database as it stood at the smaller size is kept (`kept_copy`: a copy made with PostgreSQL's CREATE
DATABASE … TEMPLATE, before the import grows it), and at the larger size two servers run at once, one on
each database, taking turns at each page: ROUNDS rounds (an even number, each size going first in half of
them), each round's two p50s measured seconds apart; the verdict is the median of the rounds' ratios
(targets.growth_ratio).
"""

import contextlib
import time
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench.cases import close_django_connection
from bench.measure import LOGS, warm_up
from bench.servers import Gunicorn

ROUNDS = 6
# CREATE DATABASE … TEMPLATE refuses while another session is connected to the template (PostgreSQL waits
# 5 s for them to leave first): a session this process left would be named.
COPY_ATTEMPTS = 3
COPY_RETRY_SECONDS = 1


def database_name(url):
    """The name of the database `url` connects to (percent-decoded, as libpq reads it)."""
    return conninfo_to_dict(url)["dbname"]


def with_database(url, name):
    """`url` naming the database `name` instead (its host, or its socket, and its options kept)."""
    parts = urlsplit(url)
    return _rebuilt(parts, f"/{quote(name)}", parts.query)


def with_options(url, **options):
    """`url` with each of `options` in its query, in place of any value the query gave it."""
    parts = urlsplit(url)
    query = [
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in options
    ]
    query += [(key, str(value)) for key, value in options.items()]
    return _rebuilt(parts, parts.path, urlencode(query, safe="/"))


def _rebuilt(parts, path, query):
    # By hand: urlunsplit() drops the "//" of a URL with no host (a socket's).
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")


def _maintenance(database_url):
    return psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True)


def _drop(connection, name):
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    connection.execute(drop)


def _sessions_on(connection, name):
    rows = connection.execute(
        "SELECT pid, backend_type, application_name FROM pg_stat_activity WHERE datname = %s", [name]
    )
    return [f"{pid} ({kind}, {application or 'no name'})" for pid, kind, application in rows]


@contextlib.contextmanager
def kept_copy(database_url, size):
    """A copy of the database of `database_url` as it is now (at `size` events), yielding the copy's name;
    dropped on the way out (and first, if a run that was killed left one)."""
    template = database_name(database_url)
    name = f"{template}_at_{size}"
    close_django_connection()  # a session on the template would refuse the copy
    with _maintenance(database_url) as connection:
        _drop(connection, name)
        create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
        for attempt in range(COPY_ATTEMPTS):
            try:
                connection.execute(create)
                break
            except psycopg.errors.ObjectInUse:
                if attempt == COPY_ATTEMPTS - 1:
                    sessions = ", ".join(_sessions_on(connection, template))
                    message = f"{template} could not be copied: sessions on it: {sessions}"
                    raise RuntimeError(message) from None
                time.sleep(COPY_RETRY_SECONDS)
    try:
        yield name
    finally:
        try:
            with _maintenance(database_url) as connection:
                _drop(connection, name)
        except psycopg.Error as error:  # not in place of the error that ends the run, if any
            print(f"WARNING: the copy {name} was not dropped: {error}", flush=True)


def measure_growth(sizes, server_urls, cases, wrk, say):
    """{"sizes": [small, large], "rounds": ROUNDS, "cases": {name: {"small_p50_ms": [...], "large_p50_ms":
    [...]}}}: each of `cases` uncached (every URL new) on one connection, on a server of each of
    `server_urls` (the smaller size's database, then the larger's), in turns, ROUNDS times. A run with
    errors (a server answering other than 200) is refused."""
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
                    figures = wrk.latency(url, unique=True, headers=dict(case.headers)).as_dict()
                    if figures.get("errors"):
                        raise RuntimeError(f"{url}: {figures['errors']} requests failed")
                    rounds[case.name][side].append(figures["p50_ms"])
    return {"sizes": [small, large], "rounds": ROUNDS, "cases": rounds}
