"""The response cache's backends: a process's memory bounded in bytes, and Redis as a cache that may fail
(an unreachable or hung Redis costs a miss, never a request)."""

import collections
import functools
import logging
import time

from django.core.cache.backends import locmem
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# A read that found nothing, and one not made (Redis resting or failing).
_MISSING, _NOT_MADE = object(), object()


class SizedValues(collections.OrderedDict):
    """An OrderedDict that keeps the total length of its values (`size`) in step with each way LocMemCache
    changes its entries: setting, deleting, popitem() (which, on an OrderedDict subclass, does not go
    through __delitem__) and clear()."""

    def __init__(self, *args):
        self.size = 0
        super().__init__(*args)

    def __setitem__(self, key, value):
        previous = self.get(key)
        if previous is not None:
            self.size -= len(previous)
        super().__setitem__(key, value)
        self.size += len(value)

    def __delitem__(self, key):
        self.size -= len(self.get(key, b""))
        super().__delitem__(key)

    def popitem(self, last=True):
        key, value = super().popitem(last)
        self.size -= len(value)
        return key, value

    def clear(self):
        super().clear()
        self.size = 0


class ByteBoundLocMemCache(LocMemCache):
    """Django's local-memory cache, holding at most OPTIONS["MAX_BYTES"] of stored (pickled) values besides
    its MAX_ENTRIES: a response's body ranges from a hundred bytes to over half a megabyte (a detailed page
    for a client that takes no compression), so that a count of entries alone bounds a worker's memory
    only loosely. The least recently used go first; a value larger than the whole budget is not kept."""

    def __init__(self, name, params):
        super().__init__(name, params)
        self._max_bytes = int(params.get("OPTIONS", {})["MAX_BYTES"])
        # Each thread has its own instance, all sharing the name's entries: swapped once for entries that
        # count their bytes (summing them afresh on each set cost up to 0.1 ms with 200 entries).
        with self._lock:
            if not isinstance(locmem._caches[name], SizedValues):
                locmem._caches[name] = SizedValues(locmem._caches[name])
            self._cache = locmem._caches[name]

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        if len(value) > self._max_bytes:
            self._delete(key)  # nor its value before: a set is never followed by an older value
            return
        super()._set(key, value, timeout)
        while self._cache.size > self._max_bytes:
            # The least recently used: each set or get moves its entry to the front.
            dropped, _ = self._cache.popitem()
            del self._expire_info[dropped]


class TolerantRedisCache(RedisCache):
    """Django's RedisCache whose reads miss and whose writes are dropped while Redis fails (with short socket
    timeouts in its OPTIONS): a cached response or a request count is worth less than an answer. A throttle
    whose counters cannot be read lets requests through. `read_failed` says whether the last read was not
    made or failed (a cache is its thread's own).

    After a failure the server is left alone for RESTS_AFTER_FAILURE seconds by every thread of the process:
    a hung Redis costs one call's timeout that often, not each call's (a request makes up to six, for its
    response and its count).
    """

    RESTS_AFTER_FAILURE = 5.0
    _resting_until = {}  # {servers: time.monotonic() until which no call is made}, for the whole process

    read_failed = False

    def get(self, key, default=None, version=None):
        found = self._attempt("read", functools.partial(super().get, key, _MISSING, version), _NOT_MADE)
        self.read_failed = found is _NOT_MADE
        return default if found is _MISSING or found is _NOT_MADE else found

    def set(self, key, value, timeout=None, version=None):
        self._attempt("write", functools.partial(super().set, key, value, timeout, version), None)

    def add(self, key, value, timeout=None, version=None):
        """True when `key` was free and now holds `value`; also while Redis fails: a lock nobody can hold
        (the throttle's) is no reason to wait."""
        return self._attempt("write", functools.partial(super().add, key, value, timeout, version), True)

    def delete(self, key, version=None):
        return self._attempt("write", functools.partial(super().delete, key, version), False)

    def _attempt(self, action, call, fallback):
        """`call()`, or `fallback` while the server rests or when it fails (then it rests)."""
        servers = tuple(self._servers)
        if time.monotonic() < self._resting_until.get(servers, 0):
            return fallback
        try:
            return call()
        except RedisError as error:
            self._resting_until[servers] = time.monotonic() + self.RESTS_AFTER_FAILURE
            self._failed(action, error)
            return fallback

    @staticmethod
    def _failed(action, error):
        logger.warning("cache %s failed, going on without it: %s", action, error)
