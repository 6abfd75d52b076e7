"""`?mode=`: one viewset mixin maps LL2's modes to serializer classes and their query plans."""

from functools import cache

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from .filters import BoundedSearchFilter
from .ordering import StableOrderingFilter
from .pagination import LL2Pagination
from .parameters import check_query_parameters


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Base of every LL2 resource: GET only, LL2's limit/offset pages, strict query parameters.

    Every parameter the view documents is checked before use; unknown parameters are ignored.
    """

    pagination_class = LL2Pagination
    filter_backends = [DjangoFilterBackend, BoundedSearchFilter, StableOrderingFilter]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_parameters(request, self.query_parameter_names())

    def query_parameter_names(self):
        names = {api_settings.URL_FORMAT_OVERRIDE}
        if self.pagination_class:
            names |= {self.pagination_class.limit_query_param, self.pagination_class.offset_query_param}
        if getattr(self, "filterset_class", None):
            names |= set(self.filterset_class.base_filters)
        if getattr(self, "search_fields", None):
            names.add(api_settings.SEARCH_PARAM)
        if getattr(self, "ordering_fields", None):
            names.add(api_settings.ORDERING_PARAM)
        return names


@cache
def plan_of(serializer_class):
    """A serializer class's query plan, built once per process."""
    return serializer_class.query_plan()


class ModeViewSetMixin:
    """Serves each request with the serializer class of the mode it asks for.

    `serializer_classes` maps mode names to serializer classes. Without `?mode=`, lists use
    `default_list_mode` and `{id}/` routes `default_detail_mode`; mode names are case-insensitive, and an
    unknown one is a 400 naming the valid ones. The queryset is shaped by the chosen serializer's query plan.
    """

    serializer_classes = {}
    default_list_mode = "normal"
    default_detail_mode = "detailed"
    mode_param = "mode"

    def get_mode(self):
        requested = self.request.query_params.get(self.mode_param)
        if requested is None:
            return self.default_detail_mode if self.detail else self.default_list_mode
        mode = requested.lower()
        if mode not in self.serializer_classes:
            valid = ", ".join(self.serializer_classes)
            raise ValidationError(
                {self.mode_param: [f"'{requested}' is not a valid mode; valid modes are: {valid}."]}
            )
        return mode

    def get_serializer_class(self):
        return self.serializer_classes[self.get_mode()]

    def get_queryset(self):
        return plan_of(self.get_serializer_class()).apply(super().get_queryset())

    def query_parameter_names(self):
        return super().query_parameter_names() | {self.mode_param}


class ModeViewSet(ModeViewSetMixin, ReadOnlyViewSet):
    """Base of the LL2 resources that have modes."""
