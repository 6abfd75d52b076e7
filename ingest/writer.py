"""Writing a Batch: upsert rows kind by kind (lookups first), then replace the lists that differ."""

from collections import defaultdict
from functools import cache
from itertools import count, groupby
from operator import itemgetter

from django.core.exceptions import ImproperlyConfigured
from django.db.models import CharField

from spacedevs.bulk import bulk_delete, bulk_insert, bulk_update
from spacedevs.idquery import IdQuery, run_together

from .errors import IngestError
from .schema import EVENT, KIND_LIST, ChildList, OrderedRows

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class Tally:
    """What happened to each object, by kind and LL2 id; an object seen twice keeps its strongest outcome."""

    _strength = {UNCHANGED: 0, UPDATED: 1, CREATED: 2}

    def __init__(self):
        self.outcomes = defaultdict(dict)

    def record(self, kind, pk, outcome):
        known = self.outcomes[kind].get(pk)
        if known is None or self._strength[outcome] > self._strength[known]:
            self.outcomes[kind][pk] = outcome

    def counts(self):
        """{kind label: {created, updated, unchanged}} in write order, for the kinds that were seen."""
        table = {}
        for kind in KIND_LIST:
            if kind in self.outcomes:
                row = dict.fromkeys((CREATED, UPDATED, UNCHANGED), 0)
                for outcome in self.outcomes[kind].values():
                    row[outcome] += 1
                table[str(kind)] = row
        return table

    def changed_rows(self, created_of=()):
        """{model: ids of the rows updated, and of those created for the kinds in `created_of`}."""
        return {
            kind.model: [
                pk
                for pk, outcome in outcomes.items()
                if outcome == UPDATED or (outcome == CREATED and kind in created_of)
            ]
            for kind, outcomes in self.outcomes.items()
        }

    @property
    def changed(self):
        return any(o != UNCHANGED for outcomes in self.outcomes.values() for o in outcomes.values())


def write_batch(batch, tally):
    kinds = [kind for kind in KIND_LIST if kind in batch.rows]
    # Each kind's stored rows, read together before any is written: a kind's writes change no other's rows.
    stored = run_together([(_stored_rows(kind), batch.rows[kind]) for kind in kinds])
    created = {}
    for kind, rows in zip(kinds, stored, strict=True):
        stored_by_pk = {row[kind.pk_attname]: row for row in rows}
        created[kind] = _upsert_rows(kind, batch.rows[kind], stored_by_pk, tally)
    lists = [*batch.links.items(), *batch.claimed_children().items()]
    # Each list's stored rows, read together before any list is replaced: no list's rows are in the table of
    # another (_check_lists_apart).
    _check_lists_apart()
    new_owners = [created.get(slot.owner_kind, set()) for slot, _ in lists]
    current = run_together(
        [
            (_stored_items(slot), [owner for owner in wanted if owner not in new])
            for (slot, wanted), new in zip(lists, new_owners, strict=True)
        ]
    )
    for (slot, wanted), new, current_rows in zip(lists, new_owners, current, strict=True):
        for owner in _replace_changed(slot, wanted, current_rows, new):
            tally.record(slot.owner_kind, owner, UPDATED)


@cache
def _check_lists_apart():
    """Refuse lists whose rows share a table (none do): replacing one would change what was read of the
    other."""
    tables = defaultdict(list)
    for kind in KIND_LIST:
        for key, slot in kind.slots.items():
            if isinstance(slot, OrderedRows):
                tables[slot.row_model].append(f"{kind} {key}")
    shared = [names for names in tables.values() if len(names) > 1]
    if shared:
        raise ImproperlyConfigured(f"ingest writes lists whose rows share a table: {shared}")


@cache
def _unique_fields(kind):
    """The columns a kind fills whose values are unique on their own (an event's slug; no kind written has a
    constraint over several columns). Their values may move from row to row within a write: a row leaves its
    value for a temporary one first (`_parking_values`), which only a text column can hold."""
    fields = [
        field
        for field in kind.model._meta.concrete_fields
        if field.unique and not field.primary_key and field.attname in kind.attnames
    ]
    if any(not isinstance(field, CharField) for field in fields):
        raise ImproperlyConfigured(f"ingest can write only text columns as unique values of {kind}")
    return fields


def _check_unique_values(kind, rows, stored):
    """The rows' unique values (an event's slug) as they stand once the rows are written: one held by two
    rows, or by a stored row that keeps it, is a clear error, not a crash. Return the temporary values
    {pk: {attname: value}} of the stored rows whose value another row takes: they leave it first."""
    parked = defaultdict(dict)
    for field in _unique_fields(kind):
        attname = field.attname
        wanted = {}
        for pk, values in rows.items():
            if attname in values:
                other = wanted.setdefault(values[attname], pk)
                if other != pk:
                    raise IngestError(
                        f"{kind} {pk}: {field.name} {values[attname]!r} already belongs to {kind} {other}"
                        " in this import",
                        field=field.name,
                        record_id=pk if kind is EVENT else None,
                    )
        for other_pk, value in _holders(kind.model, attname)(wanted):
            # The holder keeps the value unless this write gives it another.
            if other_pk != wanted[value] and rows.get(other_pk, {}).get(attname, value) == value:
                raise IngestError(
                    f"{kind} {wanted[value]}: {field.name} {value!r} already belongs to {kind} {other_pk}",
                    field=field.name,
                    record_id=wanted[value] if kind is EVENT else None,
                )
        leaving = [pk for pk, current in stored.items() if wanted.get(current[attname], pk) != pk]
        for pk, value in _parking_values(kind.model, attname, leaving, wanted.keys()).items():
            parked[pk][attname] = value
    return parked


def _parking_values(model, attname, pks, taken):
    """Values of a unique text column for the rows `pks`, one each, that neither `taken` nor a stored row
    holds. A slug cannot be one ("~" is not in a slug), but another text column's values could."""
    if not pks:
        return {}
    for attempt in count():
        values = {pk: f"~{attempt}~{pk}" for pk in pks}
        if taken.isdisjoint(values.values()) and not _holders(model, attname)(values.values()):
            return values


@cache
def _holders(model, attname):
    """The query of the stored rows holding some values of a unique column, as (pk, value)."""
    return IdQuery(model._base_manager.order_by(attname).values_list("pk", attname), attname)


@cache
def _stored_rows(kind):
    """The query of a kind's stored rows by pk, as dicts of the columns it fills."""
    return IdQuery(kind.model._base_manager.values(kind.pk_attname, *kind.attnames), "pk")


@cache
def _stored_items(slot):
    """The query of the rows of a list's owners, as (owner, *item columns) in order."""
    rows = slot.row_model.objects.order_by(slot.owner_attname, "position")
    return IdQuery(rows.values_list(slot.owner_attname, *slot.item_columns), slot.owner_attname)


def _upsert_rows(kind, rows, stored, tally):
    """Insert the new rows, update the changed ones (`stored` holds those there are, by pk); return the pks
    of those created.

    A unique value another row takes (a slug freed by one event and taken by another, two events swapping
    theirs) is first moved out of its way, to a temporary value, so that no order of the writes collides."""
    model = kind.model
    parked = _check_unique_values(kind, rows, stored)
    if parked:
        columns = sorted({attname for values in parked.values() for attname in values})
        bulk_update(model, [stored[pk] | values for pk, values in parked.items()], columns)
    to_create, to_update, changed_fields = [], [], set()
    for pk, values in rows.items():
        current = stored.get(pk)
        if current is None:
            to_create.append(values)
            tally.record(kind, pk, CREATED)
            continue
        changed = [name for name, value in values.items() if current[name] != value]
        if changed:
            to_update.append(current | values)
            changed_fields.update(changed)
        tally.record(kind, pk, UPDATED if changed else UNCHANGED)
    bulk_insert(model, to_create)
    if to_update:
        bulk_update(model, to_update, sorted(changed_fields))
    return {values[kind.pk_attname] for values in to_create}


@cache
def _owners_of(slot):
    """The query of the owners of a list's rows by the rows' pks, as (owner,)."""
    return IdQuery(slot.row_model.objects.order_by().values_list(slot.owner_attname), "pk")


def _replace_changed(slot, wanted, current_rows, new_owners):
    """Replace the rows of each owner whose list differs from `wanted` (`current_rows` are the stored ones,
    as _stored_items reads them); return those owners, and the others whose children (with their own LL2
    id) moved to them. Owners in `new_owners` were created by this write: they have no rows yet."""
    current = {
        owner: [slot.item_of(row[1:]) for row in rows]
        for owner, rows in groupby(current_rows, key=itemgetter(0))
    }
    changed = [owner for owner, items in wanted.items() if current.get(owner, []) != items]
    if not changed:
        return changed
    new_rows = [
        slot.build(owner, position, item) for owner in changed for position, item in enumerate(wanted[owner])
    ]
    bulk_delete(slot.owned_by([owner for owner in changed if owner not in new_owners]))
    moved_from = []
    if isinstance(slot, ChildList) and slot.kind.has_own_id:
        # A child with its own LL2 id (an update, an image variant) may be moving from another owner: that
        # owner's list changes too (the rows of those in `changed` are already gone).
        pks = [row[slot.kind.pk_attname] for row in new_rows]
        moved_from = sorted({owner for (owner,) in _owners_of(slot)(pks)})
        bulk_delete(slot.row_model.objects.filter(pk__any_of=pks))
    bulk_insert(slot.row_model, new_rows)
    return changed + moved_from
