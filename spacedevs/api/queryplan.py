"""Query plans: the joins and prefetches a serializer needs, derived from its nested serializers and the
model's relations, so that a page runs the same queries for 1 row as for 100."""

from dataclasses import dataclass
from functools import cache

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Prefetch

POSITION = "position"


def prefetched(relation):
    """Where a to-many relation's prefetched rows are kept: a plain list, which is much cheaper for Django to
    fill than a queryset per parent row."""
    return f"prefetched_{relation}"


def relation_ordering(model, relation):
    """The order LL2 gives a to-many relation's rows in: their `position` (on the through model of a
    many-to-many, or on the child rows themselves), else the related model's own ordering."""
    field = model._meta.get_field(relation)
    if isinstance(field, models.ManyToManyField):
        through = field.remote_field.through
        if has_position(through):
            to_target = through._meta.get_field(field.m2m_reverse_field_name())
            return (f"{to_target.related_query_name()}__{POSITION}",)
    elif has_position(field.related_model):
        return (POSITION,)
    return tuple(field.related_model._meta.ordering)


def related_rows(instance, relation, serializer_class):
    """A to-many relation of one instance that did not go through a plan: the same rows in the same order,
    with the nested serializer's plan applied."""
    ordering = relation_ordering(type(instance), relation)
    return plan_of(serializer_class).apply(getattr(instance, relation).order_by(*ordering))


def has_position(model):
    """Whether `model`'s rows keep a place in their owner's list."""
    try:
        model._meta.get_field(POSITION)
    except FieldDoesNotExist:
        return False
    return True


def _under(prefix, lookup):
    if isinstance(lookup, Prefetch):
        return Prefetch(
            f"{prefix}__{lookup.prefetch_through}", queryset=lookup.queryset, to_attr=lookup.to_attr
        )
    return f"{prefix}__{lookup}"


@dataclass(frozen=True)
class QueryPlan:
    """`select_related` paths and `prefetch_related` lookups, built once per serializer class."""

    select: tuple = ()
    prefetch: tuple = ()

    def one(self, relation, serializer_class):
        """Add a foreign key rendered by `serializer_class`: joined, with that serializer's plan under it."""
        nested = plan_of(serializer_class)
        return QueryPlan(
            select=(*self.select, relation, *(f"{relation}__{path}" for path in nested.select)),
            prefetch=(*self.prefetch, *(_under(relation, lookup) for lookup in nested.prefetch)),
        )

    def many(self, relation, serializer_class, *ordering):
        """Add a to-many relation rendered by `serializer_class`: one prefetch query, in `ordering`."""
        queryset = serializer_class.Meta.model._default_manager.all()
        if ordering:
            queryset = queryset.order_by(*ordering)
        return QueryPlan(
            select=self.select,
            prefetch=(
                *self.prefetch,
                Prefetch(
                    relation,
                    queryset=plan_of(serializer_class).apply(queryset),
                    to_attr=prefetched(relation),
                ),
            ),
        )

    def apply(self, queryset):
        if self.select:
            queryset = queryset.select_related(*self.select)
        return queryset.prefetch_related(*self.prefetch) if self.prefetch else queryset


def derive_plan(serializer_class, nested_fields):
    """The plan for `serializer_class`, from its nested serializer fields: `(source, field, many)` each.

    A nested serializer on a foreign key is joined; one on a to-many relation is prefetched in LL2's order.
    """
    model = serializer_class.Meta.model
    plan = QueryPlan()
    for source, nested_class, many in nested_fields:
        field = model._meta.get_field(source)
        if many:
            plan = plan.many(source, nested_class, *relation_ordering(model, source))
        elif field.many_to_one or field.one_to_one:
            plan = plan.one(source, nested_class)
        else:
            raise ImproperlyConfigured(
                f"{serializer_class.__name__}: '{source}' is a to-many relation; nest it with many=True"
            )
    return plan


@cache
def plan_of(serializer_class):
    """A serializer class's query plan, built once per process."""
    return serializer_class.query_plan()
