"""Reading LL2 objects into a Batch: the rows, ordered links and child lists to write, all validated."""

from collections import defaultdict
from dataclasses import dataclass, field

import orjson

from .errors import IngestError
from .schema import EVENT, EVENT_KEYS_BY_MODE, ChildList, LinkList, Reference

MODES = tuple(EVENT_KEYS_BY_MODE)
_LISTS = (LinkList, ChildList)
# An event's lists that LL2 2.3.0's spec declares nullable (in practice `[]`): null is read as empty, as
# they are served (a to-many list is never null), rather than refused, which would stop every sync.
NULLABLE_EVENT_LISTS = frozenset({"program", "astronauts"})


@dataclass
class Batch:
    """Everything a group of records holds, deduplicated by LL2 id (the last occurrence wins)."""

    rows: dict = field(default_factory=lambda: defaultdict(dict))  # kind -> pk -> {attname: value}
    links: dict = field(default_factory=lambda: defaultdict(dict))  # LinkList -> owner pk -> [target pk]
    # ChildList -> owner pk -> [values]: each owner's last list, the owners in the order those were read
    # (claimed_children).
    children: dict = field(default_factory=lambda: defaultdict(dict))
    seen: dict = field(default_factory=dict)  # (kind, raw id) -> its pk
    last_copies: dict = field(default_factory=dict)  # (kind, pk) -> the last copy read, as JSON (or None)
    # (kind, pk) -> the (kind, pk, JSON) of every object its last copy holds, all the way down, in the order
    # they were read, itself last; `read` is that order for the whole batch.
    holds: dict = field(default_factory=dict)
    read: list = field(default_factory=list)

    def add_event(self, data):
        """Read one top-level event; its `response_mode` says which keys it must carry."""
        if not isinstance(data, dict):
            raise IngestError(f"expected an event object, got {type(data).__name__}")
        mode = data.get("response_mode")
        if not isinstance(mode, str) or mode not in EVENT_KEYS_BY_MODE:
            raise IngestError(
                f"unknown mode {mode!r}; expected one of {', '.join(MODES)}", field="response_mode"
            )
        return self._read(EVENT, data, "", EVENT_KEYS_BY_MODE[mode])

    def _read(self, kind, data, path, keys=None):
        # A nested object repeated verbatim (an agency in many events) is read once per batch: by its id,
        # when it has one that can be (a list or an object is refused by the id's parser), while it, and each
        # object it holds, is the last copy of its row read (an id spelled otherwise, `ABC` for `abc`, is the
        # same row; a copy of a held image may come between). Verbatim as
        # JSON: Python's `==` takes `false` for `0`, and `1` for `1.0` or `true`, which a copy would then
        # pass as.
        identifier = data.get("id") if keys is None and isinstance(data, dict) else None
        seen_key = (kind, identifier) if isinstance(identifier, int | str) else None
        text = as_json(data) if seen_key is not None else None
        pk = self.seen.get(seen_key)
        if pk is not None and text is not None and self._still_last(kind, pk, text):
            self._read_again(kind, pk)
            return pk
        start = len(self.read)
        values = self._read_values(kind, data, path, keys)
        pk = values[kind.pk_attname]
        self.last_copies[kind, pk] = text
        if text is not None:
            self.seen[seen_key] = pk
        self.rows[kind][pk] = self.rows[kind].get(pk, {}) | values
        for key, slot in kind.slots.items():
            if key in data and (keys is None or key in keys):
                if isinstance(slot, LinkList):
                    items = data[key]
                    if items is None and kind is EVENT and key in NULLABLE_EVENT_LISTS:
                        items = []
                    self.links[slot][pk] = self._read_list(slot.kind, items, path + key, self._read)
                elif isinstance(slot, ChildList):
                    lists = self.children[slot]
                    lists.pop(pk, None)  # to the end: the lists are in the order they were last read
                    lists[pk] = self._read_list(slot.kind, data[key], path + key, self._read_values)
        self.read.append((kind, pk, text))
        if text is not None:
            self.holds[kind, pk] = self.read[start:]
        return pk

    def _still_last(self, kind, pk, text):
        """Whether `text`, a copy of `pk` read before, and every object it holds are still their rows' last
        copies read: reading it again would change nothing but the order of child lists."""
        return self.last_copies[kind, pk] == text and all(
            held is not None and self.last_copies[held_kind, held_pk] == held
            for held_kind, held_pk, held in self.holds[kind, pk]
        )

    def _read_again(self, kind, pk):
        """`pk`'s last copy, read again: the child lists of what it holds, and its own, become the last read,
        in the order a reading would give them (claimed_children); nothing else changes (_still_last)."""
        held = self.holds[kind, pk]
        self.read.extend(held)
        for held_kind, held_pk, _ in held:
            for slot in held_kind.slots.values():
                lists = self.children.get(slot) if isinstance(slot, ChildList) else None
                if lists is not None and held_pk in lists:
                    lists[held_pk] = lists.pop(held_pk)

    def claimed_children(self):
        """The child lists to write (ChildList -> owner pk -> [values]). A child with its own id (an update,
        an image variant) has one owner: of the owners' last lists, the last read that lists it, at the last
        place it holds there. (Left in both lists, it would move to the owner whose list differs from the
        stored one at every import of the same data; taken from a list that a later one of the same owner
        replaced, it would be in none.) Lists of another batch of the same import (past 1,000 records) are
        written already: a child listed across batches still moves at each import."""
        claimed = {}
        for slot, lists in self.children.items():
            if not slot.kind.has_own_id:
                claimed[slot] = lists
                continue
            name = slot.kind.pk_attname
            last_listed = {}  # child pk -> (owner, place)
            for owner, items in lists.items():
                for place, item in enumerate(items):
                    last_listed[item[name]] = (owner, place)
            claimed[slot] = {
                owner: [item for place, item in enumerate(items) if last_listed[item[name]] == (owner, place)]
                for owner, items in lists.items()
            }
        return claimed

    def _read_values(self, kind, data, path, keys=None):
        """The scalar and foreign-key values of one object (nested objects are read on the way)."""
        if not isinstance(data, dict):
            raise IngestError(f"expected an object, got {type(data).__name__}", field=path.rstrip("."))
        values = {}
        slots = kind.slots
        for key in keys or kind.keys:
            slot = slots[key]
            if key not in data:
                raise IngestError("is missing", field=path + key)
            if isinstance(slot, _LISTS):
                continue
            value = data[key]
            if value is None:
                if not slot.nullable:
                    raise IngestError("must not be null", field=path + key)
                values[slot.attname] = None
            elif isinstance(slot, Reference):
                values[slot.attname] = self._read(slot.kind, value, f"{path}{key}.")
            else:
                try:
                    values[slot.attname] = slot.parse(value)
                except IngestError as error:
                    raise IngestError(error.message, field=path + key) from None
        return values

    @staticmethod
    def _read_list(kind, items, path, read_item):
        if not isinstance(items, list):
            raise IngestError(f"expected a list, got {type(items).__name__}", field=path)
        return [read_item(kind, item, f"{path}[{index}].") for index, item in enumerate(items)]


def as_json(data):
    """`data` (read from JSON) as JSON text, or None for a number past 64 bits (its parser refuses it)."""
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return None
