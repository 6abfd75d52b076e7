"""`?mode=`: one viewset mixin maps LL2's modes to serializer classes and their query plans."""

from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from .pagination import LL2Pagination


class ModeViewSetMixin:
    """Serves each request with the serializer class of the mode it asks for.

    `serializer_classes` maps mode names to serializer classes. Without `?mode=`, lists use
    `default_list_mode` and `{id}/` routes `default_detail_mode`; mode names are case-insensitive, and an
    unknown one is a 400 naming the valid ones. The queryset is shaped by the chosen serializer's query plan.
    """

    serializer_classes = {}
    default_list_mode = "normal"
    default_detail_mode = "detailed"

    def get_mode(self):
        requested = self.request.query_params.get("mode")
        if requested is None:
            return self.default_detail_mode if self.detail else self.default_list_mode
        mode = requested.lower()
        if mode not in self.serializer_classes:
            valid = ", ".join(self.serializer_classes)
            raise ValidationError({"mode": [f"'{requested}' is not a valid mode; valid modes are: {valid}."]})
        return mode

    def get_serializer_class(self):
        return self.serializer_classes[self.get_mode()]

    def get_queryset(self):
        return self.get_serializer_class().query_plan().apply(super().get_queryset())


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Base of every LL2 resource: GET only, LL2's limit/offset pages."""

    pagination_class = LL2Pagination


class ModeViewSet(ModeViewSetMixin, ReadOnlyViewSet):
    """Base of the LL2 resources that have modes."""
