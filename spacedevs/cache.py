"""The response cache's backends: a process's memory bounded in bytes, and Redis as a cache that may fail
(an unreachable or hung Redis costs a miss, never a request)."""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class ByteBoundLocMemCache(LocMemCache):
    """Django's local-memory cache, holding at most OPTIONS["MAX_BYTES"] of stored (pickled) values besides
    its MAX_ENTRIES: a response's body ranges from a hundred bytes to over half a megabyte (a detailed page
    for a client that takes no compression), so that a count of entries alone bounds a worker's memory
    only loosely. The least recently used go first; a value larger than the whole budget is not kept."""

    def __init__(self, name, params):
        super().__init__(name, params)
        self._max_bytes = int(params.get("OPTIONS", {})["MAX_BYTES"])

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        if len(value) > self._max_bytes:
            self._delete(key)  # nor its value before: a set is never followed by an older value
            return
        super()._set(key, value, timeout)
        # Summed afresh (a few hundred entries at most): no count of its own to keep in step with every
        # path that adds, replaces or removes an entry.
        held = sum(map(len, self._cache.values()))
        while held > self._max_bytes:
            # The least recently used: each set or get moves its entry to the front.
            dropped, dropped_value = self._cache.popitem()
            del self._expire_info[dropped]
            held -= len(dropped_value)


class TolerantRedisCache(RedisCache):
    """Django's RedisCache whose reads miss and whose writes are dropped while Redis fails (with short socket
    timeouts in its OPTIONS): a cached response or a request count is worth less than an answer. A throttle
    whose counters cannot be read lets requests through."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._failed("read", error)
            return default

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            self._failed("write", error)

    def add(self, key, value, timeout=None, version=None):
        """True when `key` was free and now holds `value`; also while Redis fails: a lock nobody can hold
        (the throttle's) is no reason to wait."""
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            self._failed("write", error)
            return True

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            self._failed("write", error)
            return False

    @staticmethod
    def _failed(action, error):
        logger.warning("cache %s failed, going on without it: %s", action, error)
