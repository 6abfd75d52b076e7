"""Two servers sharing one Redis share their cached responses, a write shows at once on both, and they
enforce one request limit together."""

import copy
import fcntl
import json
import os

import httpx
import pytest
import redis

from .conftest import fixture_events
from .instances import Instance

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


def get(server, path, **headers):
    """GET from `server` as a load balancer in front of both would: under one host name."""
    url = f"{server.base_url.removesuffix('/2.3.0')}{path}"
    return httpx.get(url, headers={"Host": "127.0.0.1", **headers})


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
