"""The rows a batch of documents shows, read as plain dicts, and their representations (compiled.py).

Each model's rows are read in one query, with every column any compiled serializer of that model needs,
once the rows that lead to them are read; each to-many relation's pairs in one more. The number of queries
depends on which relations the rows fill, not on the number of rows. They are sent in steps, each step's
together (idquery.run_together): the rows of every model that nothing still to read leads to, and the pairs
of their lists, so that the round trips are as many as the steps from the roots to the farthest model.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.utils import timezone

from spacedevs.idquery import IdQuery, run_together


@dataclass(frozen=True)
class ReadPlan:
    """Per model: the columns to read, the query of its rows by pk, the (attname, model) of its references
    and (ToMany, model) of its lists, and the models it leads to, at any remove; `order` puts each model
    before those it leads to; `links`, every Link the serializers fill in."""

    columns: dict
    queries: dict
    references: dict
    relations: dict
    reaches: dict
    order: tuple
    links: tuple


@cache
def read_plan(roots):
    """The plan for the rows that the compiled serializers `roots` (a tuple) and their nested ones render."""
    columns, references, relations = defaultdict(set), defaultdict(set), defaultdict(set)
    links = []
    seen, pending = set(), list(roots)
    while pending:
        serializer = pending.pop()
        if serializer in seen:
            continue
        seen.add(serializer)
        columns[serializer.model] |= serializer.columns
        links += serializer.links
        for attname, nested in serializer.references:
            references[serializer.model].add((attname, nested.model))
            pending.append(nested)
        for relation, nested in serializer.relations:
            relations[serializer.model].add((relation, nested.model))
            pending.append(nested)
    leads_to = {model: {target for _, target in references[model] | relations[model]} for model in columns}
    columns = {model: tuple(sorted(names)) for model, names in columns.items()}
    return ReadPlan(
        columns=columns,
        # In no order (rows are found by pk): a model's default ordering may join other tables.
        queries={
            model: IdQuery(model._base_manager.order_by().values(*names), "pk")
            for model, names in columns.items()
        },
        references=dict(references),
        relations=dict(relations),
        reaches={model: _reached(model, leads_to) for model in columns},
        order=_leaders_first({root.model for root in roots}, leads_to),
        links=tuple(links),
    )


def _reached(start, leads_to):
    """The models `start` leads to, at any remove (itself only through a cycle)."""
    reached, pending = set(), list(leads_to[start])
    while pending:
        model = pending.pop()
        if model not in reached:
            reached.add(model)
            pending += leads_to[model]
    return reached


def _leaders_first(starts, leads_to):
    """The models reachable from `starts`, each before the ones it leads to (where there is no cycle)."""
    visited, finished = set(), []

    def visit(model):
        if model not in visited:
            visited.add(model)
            for target in sorted(leads_to[model], key=str):
                visit(target)
            finished.append(model)

    for model in sorted(starts, key=str):
        visit(model)
    return tuple(reversed(finished))


class RowSet:
    """The rows of some root objects and of everything their compiled serializers show, and their
    representations: a nested object is rendered once, whatever the number of rows showing it."""

    def __init__(self, plan, link_prefix):
        self.plan, self.link_prefix = plan, link_prefix
        self.rows = defaultdict(dict)  # model -> pk -> row
        self._members = defaultdict(dict)  # ToMany -> owner pk -> [related pk]
        self._rendered = {}  # (CompiledSerializer, pk) -> representation
        self.time_zone = timezone.get_current_timezone()  # date-times are rendered in
        # Link -> its template under the URLconf and script prefix of this render: thread-locals, costly to
        # read for every row.
        self._templates = {}

    @classmethod
    def read(cls, roots, queryset, link_prefix=""):
        """The rows of `queryset` and all the compiled serializers `roots` show of them; links are rendered
        behind `link_prefix`."""
        rowset = cls(read_plan(tuple(roots)), link_prefix)
        pending = defaultdict(set)  # model -> pks to read
        root = queryset.model
        rowset._add(root, queryset.values(*rowset.plan.columns[root]), pending)
        listed = {root: set(rowset.rows[root])}  # model -> pks read whose lists are still to read
        while pending or listed:
            step = rowset._step(pending, listed)
            # The lists of the rows read in this step are read with them (a model's rows listed, and read
            # again in this step: its own rows nested, as a parent).
            owners = defaultdict(set)
            for model, pks in (*listed.items(), *step.items()):
                owners[model] |= pks
            lists = [
                (model, pks, *relation)
                for model, pks in owners.items()
                for relation in rowset.plan.relations.get(model, ())
            ]
            found = run_together(
                [(rowset.plan.queries[model], pks) for model, pks in step.items()]
                + [(relation.query, pks) for _, pks, relation, _ in lists]
            )
            for model, rows in zip(step, found[: len(step)], strict=True):
                rowset._add(model, rows, pending)
            for (model, _, relation, target), pairs in zip(lists, found[len(step) :], strict=True):
                rowset._add_members(model, relation, target, pairs, pending)
            listed = {}
        return rowset

    def _step(self, pending, listed):
        """{model: pks} of the rows to read in the next step, taken out of `pending`: those of the models
        that nothing else still to read can lead to (else the first in the plan's order: a cycle), when
        `listed`'s lists are read."""
        for model in list(pending):
            pending[model] -= self.rows[model].keys()
            if not pending[model]:
                del pending[model]
        # The models whose rows are still to read: those pending, and those the lists to read lead to.
        unread = set(pending)
        unread.update(target for model in listed for _, target in self.plan.relations.get(model, ()))
        ready = [
            model
            for model in self.plan.order
            if model in pending
            and not any(model in self.plan.reaches[other] for other in unread if other is not model)
        ]
        if not ready and pending and not listed:
            ready = [next(model for model in self.plan.order if model in pending)]
        return {model: pending.pop(model) for model in ready}

    def _add(self, model, rows, pending):
        pk = model._meta.pk.attname
        added = {row[pk]: row for row in rows}
        self.rows[model].update(added)
        for attname, target in self.plan.references.get(model, ()):
            pending[target].update(row[attname] for row in added.values() if row[attname] is not None)

    def _add_members(self, model, relation, target, pairs, pending):
        """The pairs (owner pk, `target` pk) of a to-many `relation` of `model`'s rows, in order: those of
        the owners read (pairs were asked for every pk asked for)."""
        members, owners = self._members[relation], self.rows[model]
        for owner, item in pairs:
            if owner in owners:
                members.setdefault(owner, []).append(item)
                pending[target].add(item)

    def render(self, serializer, pk):
        """The representation of one root row by a compiled serializer."""
        return serializer.render(self.rows[serializer.model][pk], self)

    def nested(self, serializer, pk):
        """The representation of a nested object: the same one for every row that shows it."""
        key = (serializer, pk)
        try:
            return self._rendered[key]
        except KeyError:
            representation = self._rendered[key] = serializer.render(self.rows[serializer.model][pk], self)
            return representation

    def members(self, relation, owner):
        """The pks of `owner`'s rows in a to-many `relation`, in order."""
        return self._members[relation].get(owner, ())

    def resolve_links(self):
        """Look every link's template up, under the current URLconf and script prefix: NotCompilable, if one
        has no place for a pk, comes before any row is rendered."""
        self._templates = {link: link.template() for link in self.plan.links}

    def link(self, link, pk):
        """The `url` of the object with `pk`, behind the link prefix (resolve_links first)."""
        before, after = self._templates[link]
        return f"{self.link_prefix}{before}{pk}{after}"
