"""The response cache's backend without Redis: a process's memory, bounded in bytes (Redis's is in
redis_cache.py, apart, so that a process without Redis never imports its client)."""

import collections

from django.core.cache.backends import locmem
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


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
