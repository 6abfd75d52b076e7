"""Bytes a process holds in memory under their keys, within a budget, the least recently used going first."""

import collections
import threading


class HeldBytes:
    """Values (bytes) by key, at most `max_bytes` of them, each counted as its length and `entry_overhead`
    (what its key, the bytes object and the dictionary's links cost beyond the value's bytes, measured for
    the keys it is given); shared by a process's threads."""

    def __init__(self, max_bytes, entry_overhead):
        self.max_bytes = max_bytes
        self.entry_overhead = entry_overhead
        self.size = 0
        self._values = collections.OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys):
        """{key: value} of the `keys` held, each now the most recently used."""
        found = {}
        with self._lock:
            for key in keys:
                value = self._values.get(key)
                if value is not None:
                    self._values.move_to_end(key)
                    found[key] = value
        return found

    def keep(self, key, value):
        if len(value) + self.entry_overhead > self.max_bytes:
            return
        with self._lock:
            previous = self._values.pop(key, None)
            if previous is not None:
                self.size -= len(previous) + self.entry_overhead
            self._values[key] = value
            self.size += len(value) + self.entry_overhead
            while self.size > self.max_bytes:
                _, dropped = self._values.popitem(last=False)
                self.size -= len(dropped) + self.entry_overhead

    def clear(self):
        with self._lock:
            self._values.clear()
            self.size = 0
