from itertools import permutations, product

from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """DRF's `?ordering=` over the view's `ordering_fields`, strict and stable; off for views without them.

    An unknown field is a 400 naming the valid ones (DRF would silently ignore it), and every ordering ends
    with `id`, so that rows with equal sort keys keep one order and pages never overlap or skip.
    """

    tie_breaker = "id"

    def get_ordering(self, request, queryset, view):
        if getattr(view, "ordering_fields", None) is None:
            return None  # the view offers no ordering: its queryset's own order stands
        requested = request.query_params.get(self.ordering_param, "")
        if not requested:  # left out; spaces alone are an empty item, below
            ordering = list(self.get_default_ordering(view) or ())
        else:
            ordering = [term.strip() for term in requested.split(",")]
            valid = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
            if "" in ordering:
                raise ValidationError({self.ordering_param: ["Enter ordering fields without empty items."]})
            unknown = [term for term in ordering if term.removeprefix("-") not in valid]
            if unknown:
                choices = ", ".join(f"{name}, -{name}" for name in valid)
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown ordering field(s): {', '.join(unknown)}. Valid: {choices}."
                        ]
                    }
                )
            fields = [term.removeprefix("-") for term in ordering]
            if len(set(fields)) < len(fields):
                raise ValidationError({self.ordering_param: ["Give each ordering field at most once."]})
        if not any(term.removeprefix("-") == self.tie_breaker for term in ordering):
            ordering.append(self.tie_breaker)
        return ordering

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        if getattr(view, "ordering_fields", None) is None:
            return []
        for parameter in parameters:
            parameter["schema"]["enum"] = self.orderings(view.ordering_fields)
        return parameters

    @staticmethod
    def orderings(fields):
        """Every value `ordering` takes: each field at most once, ascending or descending, in any order."""
        return [
            ",".join(sign + field for sign, field in zip(signs, chosen, strict=True))
            for count in range(1, len(fields) + 1)
            for chosen in permutations(fields, count)
            for signs in product(("", "-"), repeat=count)
        ]
