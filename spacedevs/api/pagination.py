import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.cache import caches
from django.utils.encoding import escape_uri_path
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from ..response_cache import cache_derived
from .numbers import MAX_INTEGER, whole_number
from .parameters import LONGEST_REQUEST_LINE
from .stored_pages import StoredPage, statement_text

# The longest path and query a request line takes: "GET <target> HTTP/1.1".
LONGEST_TARGET = LONGEST_REQUEST_LINE - len("GET  HTTP/1.1")
# DRF writes a page's links with every parameter encoded again, from the WSGI query string (a character a byte
# received): a character at most three (`,` is `%2C`) for each byte of its UTF-8 (one above 127 is two).
LONGEST_REENCODING = 3


def feed_size(request):
    """The page size of the renderer `request` accepted, if it has its own (a calendar feed's), or None."""
    return getattr(getattr(request, "accepted_renderer", None), "page_size", None)


class LL2Pagination(LimitOffsetPagination):
    """LL2's limit/offset pages: 10 results unless `limit` asks otherwise, and never more than 100.

    A `limit` above 100 is clamped, as LL2 does; a `limit` or `offset` that is not a whole number in range
    is a 400 naming it (DRF would silently use the default). `count` is exact, and counted once per data
    version and query (every page of a query, in every mode, shares it). A page whose links would be longer
    than a request line may be is a 400 naming the query's longest parameter: gunicorn would refuse them.
    """

    default_limit = 10
    max_limit = 100

    def paginate_queryset(self, queryset, request, view=None):
        self._data_state = getattr(request, "data_state", None)
        page = super().paginate_queryset(queryset, request, view)
        self._check_links_fit(request)
        return page

    def _check_links_fit(self, request):
        """400 for a page whose `next` or `previous` link is longer than a request line may be: DRF writes
        every parameter of a link again (`1,2` as `1%2C2`, `x` as `x=`, each byte above 127 of a raw query as
        two escapes), so a request that fits may give a link that gunicorn refuses, in its HTML 414."""
        if feed_size(request):
            return  # a feed writes no links
        room = (
            LONGEST_TARGET
            - len(escape_uri_path(request.path))
            - len(f"?&{self.limit_query_param}=100&{self.offset_query_param}={MAX_INTEGER}")
        )
        if LONGEST_REENCODING * len(request.META.get("QUERY_STRING", "").encode()) <= room:
            return  # no link of it could be too long
        links = [urlsplit(link) for link in (self.get_next_link(), self.get_previous_link()) if link]
        length = max((len(link.path) + len("?") + len(link.query) for link in links), default=0)
        if length > LONGEST_TARGET:
            sizes = {
                name: len(urlencode({name: values}, doseq=True))
                for name, values in request.query_params.lists()
            }
            longest = max(sizes, key=sizes.get)
            problem = (
                f"Too long for the page's links: they would be {length} characters, past the {LONGEST_TARGET}"
            )
            raise ValidationError({longest: [f"{problem} of a request."]})

    def get_next_link(self):
        if self.offset + self.limit >= self.count:
            return None
        return self._link(self.offset + self.limit)

    def get_previous_link(self):
        if self.offset <= 0:
            return None
        return self._link(self.offset - self.limit if self.offset > self.limit else None)

    def _link(self, offset):
        """The request's URL with this page's limit and `offset` (None: left out), written as DRF writes its
        links (every parameter decoded and encoded again, sorted by name) in one pass where DRF's makes two:
        they were a tenth of a small page's work."""
        scheme, netloc, path, query, fragment = urlsplit(self.request.build_absolute_uri())
        parameters = parse_qs(query, keep_blank_values=True)
        parameters[self.limit_query_param] = [str(self.limit)]
        if offset is None:
            parameters.pop(self.offset_query_param, None)
        else:
            parameters[self.offset_query_param] = [str(offset)]
        query = urlencode(sorted(parameters.items()), doseq=True)
        return urlunsplit((scheme, netloc, path, query, fragment))

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
        return feed_size(request) or (self.default_limit if limit is None else min(limit, self.max_limit))

    def get_offset(self, request):
        return self._whole_number(request, self.offset_query_param, minimum=0, maximum=MAX_INTEGER) or 0

    @staticmethod
    def _whole_number(request, name, minimum, maximum=None):
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        value = whole_number(raw)
        if value is None:
            raise ValidationError({name: ["A whole number is required."]})
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
            raise ValidationError({name: [f"Ensure this value is {bounds}."]})
        return value
