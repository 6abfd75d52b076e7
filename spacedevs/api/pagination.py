import hashlib

from django.conf import settings
from django.core.cache import caches
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from ..response_cache import cache_derived
from .numbers import MAX_INTEGER, is_whole_number, whole_number_value
from .stored_pages import StoredPage, statement_text


class LL2Pagination(LimitOffsetPagination):
    """LL2's limit/offset pages: 10 results unless `limit` asks otherwise, and never more than 100.

    A `limit` above 100 is clamped, as LL2 does; a `limit` or `offset` that is not a whole number in range
    is a 400 naming it (DRF would silently use the default). `count` is exact, and counted once per data
    version and query (every page of a query, in every mode, shares it).
    """

    default_limit = 10
    max_limit = 100

    def paginate_queryset(self, queryset, request, view=None):
        self._data_state = getattr(request, "data_state", None)
        return super().paginate_queryset(queryset, request, view)

    def get_count(self, queryset):
        if self._data_state is None:
            return super().get_count(queryset)
        # The query's statement holds every filter (and a window's "now"): equal statements, equal data,
        # equal count.
        if isinstance(queryset, StoredPage):
            statement = queryset.statement
        else:
            statement = statement_text(*queryset.query.sql_with_params())
        tagged = f"{self._data_state.tag}\n{statement}"
        key = f"count:{hashlib.sha256(tagged.encode()).hexdigest()}"
        count = caches[settings.RESPONSE_CACHE_ALIAS].get(key)
        if count is None:
            count = super().get_count(queryset)
            cache_derived(self.request, key, count)
        if isinstance(queryset, StoredPage):
            queryset.known_count = count  # it reads a page past the middle from the other end
        return count

    def get_schema_operation_parameters(self, view):
        # The bounds the checks below enforce: a larger limit is clamped, not refused.
        bounds = {
            self.limit_query_param: {"minimum": 1},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_INTEGER},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] |= bounds.get(parameter["name"], {})
        return parameters

    def get_limit(self, request):
        limit = self._whole_number(request, self.limit_query_param, minimum=1)  # checked in any case
        # A renderer with its own page size (a calendar feed) takes that many, whatever `limit` says.
        feed_size = getattr(getattr(request, "accepted_renderer", None), "page_size", None)
        if feed_size:
            return feed_size
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return self._whole_number(request, self.offset_query_param, minimum=0, maximum=MAX_INTEGER) or 0

    @staticmethod
    def _whole_number(request, name, minimum, maximum=None):
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        if not is_whole_number(raw):
            raise ValidationError({name: ["A whole number is required."]})
        value = whole_number_value(raw)
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
            raise ValidationError({name: [f"Ensure this value is {bounds}."]})
        return value
