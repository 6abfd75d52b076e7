"""What a process holds in memory under keys, within a byte budget, the least recently used going first."""

import collections
import threading


class HeldBytes:
    """Values by key, at most `max_bytes` of them, each counted as `measure(value)` (its length, for bytes)
    and `entry_overhead` (what its key, the value's object and the dictionary's links cost beyond that,
    measured for the keys it is given); shared by a process's threads."""

    def __init__(self, max_bytes, entry_overhead, measure=len):
        self.max_bytes = max_bytes
        self.entry_overhead = entry_overhead
        self.measure = measure
        self.size = 0
        self._values = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The value held under `key`, now the most recently used, or None."""
        return self.get_many([key]).get(key)

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
        cost = self.measure(value) + self.entry_overhead
        if cost > self.max_bytes:
            return
        with self._lock:
            previous = self._values.pop(key, None)
            if previous is not None:
                self.size -= self.measure(previous) + self.entry_overhead
            self._values[key] = value
            self.size += cost
            while self.size > self.max_bytes:
                _, dropped = self._values.popitem(last=False)
                self.size -= self.measure(dropped) + self.entry_overhead

    def clear(self):
        with self._lock:
            self._values.clear()
            self.size = 0
