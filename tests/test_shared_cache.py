"""Two servers sharing one Redis share their cached responses, a write (an import, a sync page, an admin save
or delete) shows at once on both, and they enforce one request limit together."""

import copy
import fcntl
import json
import os
import threading

import pytest
import redis
from django.db import connection

from events.models import Event
from ingest.records import ingest_records

from .conftest import fixture_events
from .fake_upstream import FakeLL2
from .instances import Instance, http_client, http_get

REDIS_URL = os.environ.get("REDIS_TEST_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_URL and not os.environ.get("SPACEDEVS_EXPECT_REDIS"),
    reason="needs a Redis server: REDIS_TEST_URL (bin/test starts one)",
)


@pytest.fixture
def redis_url(shared_directory):
    """REDIS_TEST_URL's database 1 (the other tests use 0), the test's alone while it runs: these tests empty
    it and count its keys, and the xdist workers take turns at it."""
    assert REDIS_URL, "bin/test sets REDIS_TEST_URL"
    with open(shared_directory / "redis-database-1.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield f"{REDIS_URL.rsplit('/', 1)[0]}/1"


def servers_sharing_redis(tmp_path, sqlite_databases, redis_url, **env):
    """Two gunicorn instances over the same database and the same Redis (emptied first and after)."""
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    first = Instance.copy_of(sqlite_databases["imported"], tmp_path, REDIS_URL=redis_url, **env)
    second = Instance(tmp_path, REDIS_URL=redis_url, **env)
    first.launch()
    second.launch()  # both start at once
    yield first.ready(), second.ready(), store
    first.stop()
    second.stop()
    store.flushdb()


@pytest.fixture
def two_servers(tmp_path, sqlite_databases, redis_url):
    yield from servers_sharing_redis(tmp_path, sqlite_databases, redis_url)


@pytest.fixture
def two_limited_servers(tmp_path, sqlite_databases, redis_url):
    yield from servers_sharing_redis(tmp_path, sqlite_databases, redis_url, ANONYMOUS_THROTTLE_RATE="6/hour")


def get(server, path, client=None, **headers):
    """GET from `server` as a load balancer in front of both would: under one host name."""
    url = f"{server.base_url.removesuffix('/2.3.0')}{path}"
    return (client.get if client else http_get)(url, headers={"Host": "127.0.0.1", **headers})


def test_servers_share_cached_responses_and_see_every_write_at_once(two_servers):
    first, second, store = two_servers
    path = "/2.3.0/events/352/?mode=normal"
    entries = store.dbsize()  # the servers' own readiness checks are cached too
    cached = get(first, path)
    assert cached.status_code == 200
    assert store.dbsize() == entries + 1
    shared = get(second, path)
    assert store.dbsize() == entries + 1  # the second server answered from the first one's entry
    assert (shared.content, shared.headers["ETag"]) == (cached.content, cached.headers["ETag"])
    assert get(second, path, **{"If-None-Match": cached.headers["ETag"]}).status_code == 304

    renamed = copy.deepcopy(fixture_events()[352]) | {"name": "Renamed on the shared database"}
    (first.directory / "renamed.json").write_text(json.dumps(renamed))
    first.manage("import_ll2", first.directory / "renamed.json", "--no-progress")
    for server in (first, second):
        response = get(server, path, **{"If-None-Match": cached.headers["ETag"]})
        assert response.status_code == 200
        assert response.json()["name"] == "Renamed on the shared database"
        assert response.headers["ETag"] != cached.headers["ETag"]


def test_servers_enforce_one_limit_together(two_limited_servers):
    first, second, _ = two_limited_servers
    used = get(first, "/2.3.0/api-throttle/").json()["current_use"]  # the servers' readiness checks
    assert get(second, "/2.3.0/api-throttle/").json()["current_use"] == used
    for number in range(6 - used):
        assert get((first, second)[number % 2], "/2.3.0/events/").status_code == 200
    for server in (first, second):
        refused = get(server, "/2.3.0/events/")
        assert refused.status_code == 429
        assert 3590 < int(refused.headers["Retry-After"]) <= 3600  # counted from the first request
        assert get(server, "/2.3.0/api-throttle/").json()["current_use"] == 6


# Routes showing the seed event (352) among the fixtures': pages of each mode, its own in two, a search.
SEED_ROUTES = [
    "/2.3.0/events/?mode=detailed&id=352",
    "/2.3.0/events/?mode=list&id=352",
    "/2.3.0/events/352/",
    "/2.3.0/events/previous/?mode=normal&id=352",
    "/2.3.0/events/previous/352/?mode=list",
    "/events/?search=HTV-X1",
]
ENCODINGS = [{}, {"Accept-Encoding": "gzip"}]


def warm(servers, routes, client):
    """Each route asked of each server twice, in each encoding (the second a hit, replayed): {(route,
    encoding's index): (ETag, body)}, the same from both."""
    seen = {}
    for route in routes:
        for index, headers in enumerate(ENCODINGS):
            answers = [get(server, route, client, **headers) for server in servers for _ in range(2)]
            assert {answer.status_code for answer in answers} == {200}, route
            assert len({(answer.headers["ETag"], answer.content) for answer in answers}) == 1, route
            seen[route, index] = (answers[0].headers["ETag"], answers[0].content)
    return seen


def assert_changed_on_both(servers, before, client):
    """The next answer of each server to each route is the data as written: another body under another ETag,
    whether the client holds the old one or not."""
    for server in servers:
        for (route, index), (etag, content) in before.items():
            for headers in (ENCODINGS[index], {**ENCODINGS[index], "If-None-Match": etag}):
                answer = get(server, route, client, **headers)
                assert answer.status_code in (200, 404), (server.base_url, route, headers)
                assert answer.content != content, (server.base_url, route, headers)
                assert answer.headers.get("ETag") != etag, (server.base_url, route, headers)


def sync_a_page(first):
    moved = copy.deepcopy(fixture_events()[352]) | {
        "name": "HTV-X1 moved upstream",  # still found by SEED_ROUTES' search
        "last_updated": "2031-01-01T00:00:00Z",
    }
    with FakeLL2([moved], page_size=10) as fake:
        first.manage("sync_ll2", "--base-url", fake.base_url, "--rate", "1000/1", "--no-progress")
    return "/2.3.0/events/352/", "HTV-X1 moved upstream"


def admin_post(server, path, data):
    """POST `data` to the admin page `path` of `server`, signed in as a superuser made for it (once)."""
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.filter(username='admin').exists() or "
        "User.objects.create_superuser('admin', 'admin@example.com', 'test-password')",
    )
    base = server.base_url.removesuffix("/2.3.0")
    with http_client(base_url=base, headers={"Host": "127.0.0.1"}) as browser:
        browser.get("/admin/login/")
        credentials = {"username": "admin", "password": "test-password", "next": "/admin/"}
        signed_in = browser.post("/admin/login/", data=_with_token(browser, credentials))
        assert signed_in.status_code == 302, signed_in.text
        browser.get(path)
        done = browser.post(path, data=_with_token(browser, data))
        assert done.status_code == 302, done.text


def _with_token(browser, data):
    return {**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}


def save_in_the_admin(first):
    admin_post(first, "/admin/config/eventtype/13/change/", {"id": 13, "name": "Moved in the admin"})
    return "/2.3.0/events/352/", "Moved in the admin"


def delete_in_the_admin(first):
    admin_post(first, "/admin/events/event/352/delete/", {"post": "yes"})
    return "/2.3.0/events/?mode=list&id=352", '"count":0'


def test_every_path_of_writing_shows_at_once_on_both_servers(two_servers):
    """A sync page, an admin save and an admin delete, one after the other on the same two servers (each
    server's start is most of a test's time), each shown at once on both."""
    first, second, _ = two_servers
    with http_client() as client:
        for write in (sync_a_page, save_in_the_admin, delete_in_the_admin):
            before = warm((first, second), SEED_ROUTES, client)
            shown_at, written = write(first)
            assert_changed_on_both((first, second), before, client)
            for server in (first, second):
                assert written in get(server, shown_at, client).text, write.__name__


def import_renamed(name):
    ingest_records([copy.deepcopy(fixture_events()[352]) | {"name": name}], source="test")


def save_renamed(name):
    event = Event.objects.get(pk=352)
    event.name = name
    event.save()  # outside a transaction, as a shell's


@pytest.mark.skipif(connection.vendor != "postgresql", reason="leases of the data state are PostgreSQL's")
def test_on_postgresql_each_write_shows_at_once_on_both_servers_while_others_read(
    transactional_db, tmp_path, redis_url
):
    """Servers of production's two workers on PostgreSQL, where a worker leases the data state between
    writers' turns: clients reading all along keep the workers' leases, replays and cached responses warm,
    and the answer after each write (imports and saves in turn) is still the data as written."""
    redis.Redis.from_url(redis_url).flushdb()
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    import_renamed("HTV-X1 as first written")
    servers = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        servers.append(Instance(tmp_path / name, DATABASE_URL=url, REDIS_URL=redis_url, WEB_CONCURRENCY="2"))
    reading = threading.Event()

    def read_all_along():
        with http_client() as client:
            while not reading.is_set():
                for server in servers:
                    for route in SEED_ROUTES:
                        for headers in ENCODINGS:
                            get(server, route, client, **headers)

    reader = threading.Thread(target=read_all_along)
    client = http_client()
    try:
        for server in servers:
            server.launch()  # both start at once
        for server in servers:
            server.ready()
        reader.start()
        before = warm(servers, SEED_ROUTES, client)
        for number, write in enumerate([import_renamed, save_renamed] * 2):
            name = f"HTV-X1 written {number}"
            write(name)
            assert_changed_on_both(servers, before, client)
            before = warm(servers, SEED_ROUTES, client)
            assert all(name.encode() in content for _, content in before.values())
    finally:
        client.close()
        reading.set()
        if reader.is_alive():
            reader.join()
        for server in servers:
            server.stop()
        redis.Redis.from_url(redis_url).flushdb()
