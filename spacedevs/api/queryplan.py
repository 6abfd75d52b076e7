"""Query plans: the joins and prefetches a serializer needs, composed from its nested serializers' plans."""

from dataclasses import dataclass

from django.db.models import Prefetch


def prefetched(field):
    """Where a to-many relation's prefetched rows are kept: a plain list, which is much cheaper for Django to
    fill than a queryset per parent row. Serializers read it with `source=prefetched(field)`."""
    return f"prefetched_{field}"


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

    def one(self, field, serializer_class):
        """Add a foreign key rendered by `serializer_class`: joined, with that serializer's plan under it."""
        nested = serializer_class.query_plan()
        return QueryPlan(
            select=(*self.select, field, *(f"{field}__{path}" for path in nested.select)),
            prefetch=(*self.prefetch, *(_under(field, lookup) for lookup in nested.prefetch)),
        )

    def many(self, field, serializer_class, *ordering):
        """Add a to-many relation rendered by `serializer_class`: one prefetch query, in `ordering`."""
        queryset = serializer_class.Meta.model.objects.all()
        if ordering:
            queryset = queryset.order_by(*ordering)
        return QueryPlan(
            select=self.select,
            prefetch=(
                *self.prefetch,
                Prefetch(
                    field, queryset=serializer_class.query_plan().apply(queryset), to_attr=prefetched(field)
                ),
            ),
        )

    def apply(self, queryset):
        return queryset.select_related(*self.select).prefetch_related(*self.prefetch)
