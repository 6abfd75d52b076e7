"""The base viewsets every LL2 resource is served by."""

import copy

from django.db import models
from django.http import QueryDict
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings
from rest_framework.utils import formatting

from .errors import MethodFirstMixin
from .filters import BoundedSearchFilter, FilterBackend
from .help import help_sections
from .modes import ModeViewSetMixin
from .ordering import StableOrderingFilter
from .pagination import LL2Pagination
from .parameters import check_query_parameters

DIGITS = "[0-9]+"
UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def lookup_pattern(model):
    """The URL pattern of `model`'s ids: digits or a UUID, so that no other path segment (`upcoming/`,
    `previous/`) can ever be taken for an id, whatever order the routes are registered in."""
    primary_key = model._meta.pk
    if isinstance(primary_key, models.UUIDField):
        return UUID
    if isinstance(primary_key, models.IntegerField):
        return DIGITS
    raise TypeError(f"no id pattern for {primary_key!r}")


class ReadOnlyViewSet(MethodFirstMixin, viewsets.ReadOnlyModelViewSet):
    """Base of every LL2 resource: GET only, LL2's limit/offset pages, strict query parameters.

    Every parameter the view documents is checked before use; unknown parameters are ignored. The help text
    on the browsable API is the class docstring followed by LL2's sections, built from the view's own modes,
    filters, search and ordering fields; `filter_example` and `search_example` give its example links.
    """

    pagination_class = LL2Pagination
    filter_backends = [FilterBackend, BoundedSearchFilter, StableOrderingFilter]
    filterset_class = None
    search_fields: list = []
    ordering_fields: list | None = None
    filter_example: str | None = None
    search_example: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.queryset is not None and "lookup_value_regex" not in cls.__dict__:
            cls.lookup_value_regex = lookup_pattern(cls.queryset.model)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        names = self.query_parameter_names()
        check_query_parameters(request, names)
        self.check_earlier_values(request, names)

    def check_earlier_values(self, request, names):
        """A parameter given more than once is read as its last value, as LL2 reads it (but for a filter that
        reads them all, `program`): each earlier value is checked in the last one's place, as the view checks
        that one, so that a bad value is a 400 there too, never left out unseen."""
        if self.action not in ("list", "retrieve"):
            return  # the parameters are read by these alone
        for name, values in request.query_params.lists():
            if name not in names or self.reads_every_value(name):
                continue
            for value in dict.fromkeys(values[:-1]):
                if value != values[-1]:
                    self._with_value(request, name, value).check_parameter(name)

    def handle_exception(self, exc):
        if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
            exc = ValidationError(self.bad_parameters(exc.detail))
        return super().handle_exception(exc)

    def bad_parameters(self, found):
        """Every bad parameter of the request, with what is wrong, in the query's order, once a check found
        `found` ({name: messages}). The checks stop at the first stage with a bad parameter (the format, the
        raw values, the earlier values, then the mode, filters, search and ordering, then the page): each
        other parameter the view knows is checked alone, as the view checks it. Only a bad request pays."""
        names = self.query_parameter_names()
        errors = {}
        for name in dict.fromkeys(self.request.query_params):
            if name in found:
                errors[name] = found[name]
            elif name in names:
                errors |= self._errors_of(name)
        return errors | found

    def _errors_of(self, name):
        """{name: messages} if parameter `name`, given alone, is refused; {} if not."""
        alone = self._with_values(self.request, name, self.request.query_params.getlist(name))
        try:
            check_query_parameters(alone.request, {name})
            alone.check_earlier_values(alone.request, {name})
            alone.check_parameter(name)
        except ValidationError as error:
            return error.detail if isinstance(error.detail, dict) else {}
        return {}

    def reads_every_value(self, name):
        """Whether the parameter `name` is read with all its values (`program`), not its last alone."""
        filter_ = self.filterset_class.base_filters.get(name) if self.filterset_class else None
        return filter_ is not None and getattr(filter_.field.widget, "allow_multiple_selected", False)

    def _with_value(self, request, name, value):
        """A copy of this view serving a copy of `request` whose `name` is `value` alone."""
        query = request.query_params.copy()
        query.setlist(name, [value])
        return self._serving(request, query)

    def _with_values(self, request, name, values):
        """A copy of this view serving a copy of `request` whose only parameter is `name`, as `values`."""
        query = QueryDict(mutable=True)
        query.setlist(name, values)
        return self._serving(request, query)

    def _serving(self, request, query):
        """A copy of this view serving a copy of `request` whose query parameters are `query`."""
        django_request = copy.copy(request._request)
        django_request.GET = query
        view = copy.copy(self)
        view.request = view.initialize_request(django_request)
        return view

    def check_parameter(self, name):
        """The checks the view's action makes of query parameter `name` before it reads a row: the content
        negotiation for the format, else those of the mode, filters, search, ordering and page (which read
        no format)."""
        if name == api_settings.URL_FORMAT_OVERRIDE:
            self.perform_content_negotiation(self.request)
            return
        self.filter_queryset(self.get_queryset())
        if self.action == "list" and self.paginator is not None:
            self.paginator.get_limit(self.request)
            self.paginator.get_offset(self.request)

    def query_parameter_names(self):
        names = {api_settings.URL_FORMAT_OVERRIDE}
        if self.pagination_class:
            names |= {self.pagination_class.limit_query_param, self.pagination_class.offset_query_param}
        if self.filterset_class:
            names |= set(self.filterset_class.base_filters)
        if self.search_fields:
            names.add(api_settings.SEARCH_PARAM)
        if self.ordering_fields:
            names.add(api_settings.ORDERING_PARAM)
        return names

    def get_view_description(self, html=False):
        description = "\n\n".join([formatting.dedent(self.__doc__ or ""), *help_sections(self)])
        return formatting.markup_description(description) if html else description


class ModeViewSet(ModeViewSetMixin, ReadOnlyViewSet):
    """Base of the LL2 resources that have modes."""
