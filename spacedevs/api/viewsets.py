"""The base viewsets every LL2 resource is served by."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.settings import api_settings

from .filters import BoundedSearchFilter
from .modes import ModeViewSetMixin
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


class ModeViewSet(ModeViewSetMixin, ReadOnlyViewSet):
    """Base of the LL2 resources that have modes."""
