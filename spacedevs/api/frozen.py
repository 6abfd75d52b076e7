"""Read-only dicts and lists, for representations that one request shares between many rows."""


def _read_only(self, *args, **kwargs):
    raise TypeError(f"this {type(self).__name__} is shared between rows; copy it to change it")


class FrozenDict(dict):
    """A dict that refuses changes; JSON encoders see a plain dict. `copy()` gives a mutable dict."""

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self):
        return type(self), (dict(self),)


class FrozenList(list):
    """A list that refuses changes; JSON encoders see a plain list. `copy()` gives a mutable list."""

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __reduce__(self):
        return type(self), (list(self),)


def freeze(representation):
    """`representation` (a serializer's dict) as a FrozenDict, with its lists frozen too."""
    return FrozenDict(
        (key, FrozenList(value) if type(value) is list else value) for key, value in representation.items()
    )
