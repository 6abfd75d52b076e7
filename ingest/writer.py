"""Writing a Batch: upsert rows kind by kind (lookups first), then replace the lists that differ."""

from collections import defaultdict
from functools import cache
from itertools import groupby
from operator import itemgetter

from spacedevs.bulk import bulk_delete, bulk_insert
from spacedevs.idquery import IdQuery

from .errors import IngestError
from .schema import KIND_LIST, ChildList

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
WRITE_BATCH_SIZE = 500


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
    created = {}
    for kind in KIND_LIST:
        if kind in batch.rows:
            created[kind] = _upsert_rows(kind, batch.rows[kind], tally)
    for lists in (batch.links, batch.children):
        for slot, wanted in lists.items():
            for owner in _replace_changed(slot, wanted, created.get(slot.owner_kind, set())):
                tally.record(slot.owner_kind, owner, UPDATED)


def _check_unique_values(kind, rows):
    """A unique value (an event's slug) that another stored row holds is a clear error, not a crash."""
    for field in kind.model._meta.fields:
        if not field.unique or field.primary_key:
            continue
        wanted = {values[field.attname]: pk for pk, values in rows.items() if field.attname in values}
        for other_pk, value in _holders(kind.model, field.attname)(wanted):
            if other_pk not in rows:
                raise IngestError(
                    f"{kind} {wanted[value]}: {field.name} {value!r} already belongs to {kind} {other_pk}",
                    field=field.name,
                )


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


def _upsert_rows(kind, rows, tally):
    """Insert the new rows, update the changed ones; return the pks of those created."""
    _check_unique_values(kind, rows)
    model = kind.model
    stored = {row[kind.pk_attname]: row for row in _stored_rows(kind)(rows)}
    to_create, to_update, changed_fields = [], [], set()
    for pk, values in rows.items():
        current = stored.get(pk)
        if current is None:
            to_create.append(values)
            tally.record(kind, pk, CREATED)
            continue
        changed = [name for name, value in values.items() if current[name] != value]
        if changed:
            to_update.append(model(**current | values))
            changed_fields.update(changed)
        tally.record(kind, pk, UPDATED if changed else UNCHANGED)
    bulk_insert(model, to_create)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=WRITE_BATCH_SIZE)
    return {values[kind.pk_attname] for values in to_create}


@cache
def _owners_of(slot):
    """The query of the owners of a list's rows by the rows' pks, as (owner,)."""
    return IdQuery(slot.row_model.objects.values_list(slot.owner_attname), "pk")


def _replace_changed(slot, wanted, new_owners):
    """Replace the rows of each owner whose list differs from `wanted`; return those owners, and the others
    whose children (with their own LL2 id) moved to them. Owners in `new_owners` were created by this write:
    they have no rows yet."""
    current_rows = _stored_items(slot)([owner for owner in wanted if owner not in new_owners])
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
