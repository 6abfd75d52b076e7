"""Redis as a cache that may fail: an unreachable or hung Redis costs a miss, never a request."""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# A read that found nothing, and one not made (Redis resting or failing).
_MISSING, _NOT_MADE = object(), object()


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
