"""A Redis that is down or hung costs a miss, never a request: responses are computed, counters let
requests through, each call waits at most REDIS_TIMEOUT."""

import os
import socket
import time

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory
from django.urls import reverse
from redis.exceptions import RedisError

from bench.servers import free_port
from spacedevs.redis_cache import TolerantRedisCache
from spacedevs.throttling import ClientThrottle

JSON = {"HTTP_ACCEPT": "application/json"}
pytestmark = pytest.mark.django_db


def redis_caches(url):
    options = {"socket_connect_timeout": 0.1, "socket_timeout": 0.1}
    cache = {"BACKEND": "spacedevs.redis_cache.TolerantRedisCache", "LOCATION": url, "OPTIONS": options}
    return settings.CACHES | {settings.RESPONSE_CACHE_ALIAS: cache, settings.THROTTLE_CACHE_ALIAS: cache}


@pytest.mark.skipif(
    not os.environ.get("REDIS_TEST_URL") and not os.environ.get("SPACEDEVS_EXPECT_REDIS"),
    reason="needs a Redis server: REDIS_TEST_URL (bin/test starts one)",
)
def test_a_count_that_could_not_be_read_is_not_written_over(monkeypatch):
    """A read that fails lets its request through uncounted, and leaves the client's count as it was (written
    back, it would be that one request: a fresh allowance for the whole window)."""
    cache = TolerantRedisCache(
        os.environ["REDIS_TEST_URL"], {"KEY_PREFIX": f"test-{os.getpid()}-{time.time()}"}
    )
    throttle = ClientThrottle("3/hour", None)
    throttle.cache = cache
    request = RequestFactory().get("/2.3.0/events/", REMOTE_ADDR="10.2.0.1")
    assert [throttle.allow_request(request, None) for _ in range(2)] == [True, True]
    read = RedisCache.get

    def failing(self, key, *args, **kwargs):
        if key.endswith(":address:10.2.0.1"):
            raise RedisError("a stall")
        return read(self, key, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "get", failing)
    monkeypatch.setattr(TolerantRedisCache, "RESTS_AFTER_FAILURE", 0)  # the next call is made
    assert throttle.allow_request(request, None)
    monkeypatch.setattr(RedisCache, "get", read)
    assert [throttle.allow_request(request, None) for _ in range(2)] == [True, False]
    cache.delete(throttle.get_cache_key(request, None))


@pytest.fixture
def hung_redis():
    """A port that takes connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.mark.parametrize("state", ["down", "hung"])
def test_requests_are_answered_without_redis(client, settings, hung_redis, state):
    url = hung_redis if state == "hung" else f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = redis_caches(url)
    settings.ANONYMOUS_THROTTLE_RATE = "1/hour"
    started = time.monotonic()
    for _ in range(2):  # over the limit, but the counters cannot be read: let through
        response = client.get("/2.3.0/events/upcoming/", **JSON)
        assert (response.status_code, response.json()["count"]) == (200, 0)
    assert time.monotonic() - started < 4  # a handful of calls, 0.1 s each at most


@pytest.mark.parametrize("state", ["down", "hung"])
def test_sign_in_attempts_are_counted_in_the_process_while_redis_fails(client, settings, hung_redis, state):
    """An API request passes uncounted while Redis fails, but a guess at a password is counted all the same:
    in the process, as without Redis."""
    settings.CACHES = redis_caches(hung_redis if state == "hung" else f"redis://127.0.0.1:{free_port()}/0")
    settings.ADMIN_LOGIN_RATE = "2/hour"
    guess = {"username": "admin", "password": "guess"}
    assert [client.post(reverse("admin:login"), guess).status_code for _ in range(3)] == [200, 200, 429]


def test_a_failing_redis_is_left_alone_for_a_while(client, settings, monkeypatch):
    """A hung Redis would cost each of a request's calls its timeout: after one fails, none is made for
    RESTS_AFTER_FAILURE seconds."""
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0")
    settings.ANONYMOUS_THROTTLE_RATE = "1/hour"
    calls = []

    def counted(method):
        def call(*args, **kwargs):
            calls.append(method.__name__)
            return method(*args, **kwargs)

        return call

    for name in ("get", "set", "add", "delete"):
        monkeypatch.setattr(RedisCache, name, counted(getattr(RedisCache, name)))
    for _ in range(2):
        assert client.get("/2.3.0/events/upcoming/", **JSON).status_code == 200
    assert calls == ["add"]  # the request's first call (its count's lock) failed, and the server rests
    monkeypatch.setattr(TolerantRedisCache, "RESTS_AFTER_FAILURE", 0)
    TolerantRedisCache._resting_until.clear()
    assert client.get("/2.3.0/events/upcoming/", **JSON).status_code == 200
    assert len(calls) > 2  # each call made again, and failing
