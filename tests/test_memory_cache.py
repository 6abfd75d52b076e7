"""A worker's response cache holds at most so many bytes, the least recently used going first."""

import pickle
import uuid

from django.conf import settings
from django.core.cache import caches

from spacedevs.cache import ByteBoundLocMemCache

BODY = b"x" * 400
STORED = len(pickle.dumps(BODY, ByteBoundLocMemCache.pickle_protocol))
# Stored in twice BODY's bytes: pickle's overhead is the same for both lengths.
DOUBLE_BODY = b"x" * (STORED + len(BODY))


def bounded_cache(max_bytes):
    return ByteBoundLocMemCache(f"test-{uuid.uuid4()}", {"OPTIONS": {"MAX_BYTES": max_bytes}})


def test_the_least_recently_used_go_once_the_bytes_are_over():
    cache = bounded_cache(3 * STORED)
    for key in "abc":
        cache.set(key, BODY)
    assert cache.get("a") == BODY  # now the most recently used
    cache.set("d", BODY)
    assert [key for key in "abcd" if cache.get(key) is not None] == ["a", "c", "d"]
    # Read in turn, each now the most recently used: a, c, then d.
    cache.set("e", DOUBLE_BODY)
    assert [key for key in "acde" if cache.get(key) is not None] == ["d", "e"]


def test_a_value_over_the_whole_budget_is_not_kept_and_drops_nothing_else():
    cache = bounded_cache(2 * STORED)
    cache.set("a", BODY)
    cache.set("b", BODY)
    cache.set("b", DOUBLE_BODY + b"x")
    assert (cache.get("a"), cache.get("b")) == (BODY, None)


def test_the_response_cache_in_memory_is_bounded_in_bytes():
    assert not settings.REDIS_URL
    cache = caches[settings.RESPONSE_CACHE_ALIAS]
    assert isinstance(cache, ByteBoundLocMemCache)
    assert cache._max_bytes == 16 * 1024 * 1024


def test_the_bytes_held_are_counted_in_step_with_every_change():
    cache = bounded_cache(3 * STORED)
    entries = cache._cache

    def counted():
        assert entries.size == sum(map(len, entries.values()))

    cache.set("a", BODY)
    cache.set("a", DOUBLE_BODY)  # replaced
    cache.set("n", 1)
    cache.incr("n")
    counted()
    cache.set("b", BODY)  # over the bytes: the least recently used go (popitem)
    counted()
    cache.delete("b")
    cache.set("gone", BODY, timeout=-1)  # expired, deleted when next read
    assert cache.get("gone") is None
    counted()
    cache.clear()
    assert entries.size == 0


def test_every_instance_of_a_name_shares_its_counted_entries():
    name = f"test-{uuid.uuid4()}"
    first, second = (ByteBoundLocMemCache(name, {"OPTIONS": {"MAX_BYTES": 2 * STORED}}) for _ in range(2))
    first.set("a", BODY)
    second.set("b", BODY)
    assert first._cache is second._cache
    assert first._cache.size == 2 * STORED
