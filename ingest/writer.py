"""Writing a Batch: upsert rows kind by kind (lookups first), then replace the lists that differ."""

from collections import defaultdict
from itertools import groupby
from operator import itemgetter

from spacedevs.bulk import bulk_insert

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

    def changed_rows(self):
        """{model: ids of the rows created or changed}."""
        return {
            kind.model: [pk for pk, outcome in outcomes.items() if outcome != UNCHANGED]
            for kind, outcomes in self.outcomes.items()
        }

    @property
    def changed(self):
        return any(o != UNCHANGED for outcomes in self.outcomes.values() for o in outcomes.values())


def write_batch(batch, tally):
    for kind in KIND_LIST:
        if kind in batch.rows:
            _upsert_rows(kind, batch.rows[kind], tally)
    for lists in (batch.links, batch.children):
        for slot, wanted in lists.items():
            for owner in _replace_changed(slot, wanted):
                tally.record(slot.owner_kind, owner, UPDATED)


def _check_unique_values(kind, rows):
    """A unique value (an event's slug) that another stored row holds is a clear error, not a crash."""
    for field in kind.model._meta.fields:
        if not field.unique or field.primary_key:
            continue
        wanted = {values[field.attname]: pk for pk, values in rows.items() if field.attname in values}
        taken = kind.model.objects.filter(**{f"{field.attname}__in": list(wanted)}).exclude(pk__in=list(rows))
        for other_pk, value in taken.values_list("pk", field.attname)[:1]:
            raise IngestError(
                f"{kind} {wanted[value]}: {field.name} {value!r} already belongs to {kind} {other_pk}",
                field=field.name,
            )


def _upsert_rows(kind, rows, tally):
    _check_unique_values(kind, rows)
    model = kind.model
    existing = model.objects.in_bulk(list(rows))
    to_create, to_update, changed_fields = [], [], set()
    for pk, values in rows.items():
        instance = existing.get(pk)
        if instance is None:
            to_create.append(model(**values))
            tally.record(kind, pk, CREATED)
            continue
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
        for name in changed:
            setattr(instance, name, values[name])
        if changed:
            to_update.append(instance)
            changed_fields.update(changed)
        tally.record(kind, pk, UPDATED if changed else UNCHANGED)
    bulk_insert(model, to_create)
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed_fields), batch_size=WRITE_BATCH_SIZE)


def _replace_changed(slot, wanted):
    """Replace the rows of each owner whose list differs from `wanted`; return those owners."""
    current_rows = (
        slot.owned_by(list(wanted))
        .order_by(slot.owner_attname, "position")
        .values_list(slot.owner_attname, *slot.item_columns)
    )
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
    slot.owned_by(changed).delete()
    if isinstance(slot, ChildList) and slot.kind.has_own_id:
        # A child with its own LL2 id (an update, an image variant) may be moving from another owner.
        slot.row_model.objects.filter(pk__in=[row.pk for row in new_rows]).delete()
    bulk_insert(slot.row_model, new_rows)
    return changed
