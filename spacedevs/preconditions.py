"""Conditional requests (RFC 9110 §13): what `If-None-Match`, `If-Modified-Since`, `If-Match` and
`If-Unmodified-Since` make of a response, for the response cache and the replay of its hits alike."""

from types import SimpleNamespace

from django.utils.cache import get_conditional_response
from django.utils.http import parse_etags, parse_http_date_safe

from .api.errors import CompactJsonResponse

# The headers of a conditional request (RFC 9110 §13.1).
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
)


def names_etag(meta, etag):
    """Whether the request with WSGI environ `meta` names `etag` itself in `If-None-Match`, with no
    precondition tested before that one (RFC 9110 §13.2.2): the one conditional request answered before its
    response is known, since `etag` is only ever given to a 200 (`*` or a date would stand for a 404 too)."""
    if "HTTP_IF_NONE_MATCH" not in meta or "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta:
        return False
    return etag in (tag.removeprefix("W/") for tag in parse_etags(meta["HTTP_IF_NONE_MATCH"]))


def is_conditional(meta):
    """Whether a request's headers (`meta`: its WSGI environ) hold a precondition."""
    return not meta.keys().isdisjoint(CONDITIONAL_HEADERS)


def conditional_response(request, etag, modified_second, response):
    """What the request's preconditions make of `response`, a 200 with `etag` whose data changed at
    `modified_second` (DataState.modified_second; None: no date): itself, a 304, or a 412 naming the
    precondition that failed. `request` needs only `method`, `path` (Django logs it with a 412) and `META`;
    `response` may be None (then None when the preconditions leave it as it is)."""
    ignored = set()
    if modified_second is None:
        # A date of a response that has none is not tested (RFC 9110 §13.1.4): Django would fail it.
        ignored.add("HTTP_IF_UNMODIFIED_SINCE")
    if "HTTP_IF_NONE_MATCH" in request.META:
        # Whatever it holds (RFC 9110 §13.1.3): Django tests the date when it can read no tag in it.
        ignored.add("HTTP_IF_MODIFIED_SINCE")
    if not ignored.isdisjoint(request.META):
        meta = {name: value for name, value in request.META.items() if name not in ignored}
        request = SimpleNamespace(method=request.method, path=request.path, META=meta)
    if_match = parse_etags(request.META.get("HTTP_IF_MATCH", ""))  # unreadable, Django leaves it out
    unmodified_since = request.META.get("HTTP_IF_UNMODIFIED_SINCE")
    # Django takes a date of 0 (1970-01-01T00:00:00Z) for none, and would leave it untested.
    epoch_fails = (
        not if_match and unmodified_since and parse_http_date_safe(unmodified_since) == 0 < modified_second
    )
    if not epoch_fails:
        answer = get_conditional_response(
            request, etag=etag, last_modified=modified_second, response=response
        )
        if answer is None or answer.status_code != 412:
            return answer
    header = "If-Match" if if_match else "If-Unmodified-Since"
    return CompactJsonResponse(
        {"detail": f"The {header} precondition does not hold."},
        status=412,
    )
