"""Redis as a cache that may fail: an unreachable or hung Redis costs a miss, never a request."""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


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
