"""Static files (the browsable API's, Swagger UI's and Redoc's, the admin's) as WhiteNoise serves them, but
with their compressed copies told apart as HTTP asks of one resource in several content codings."""

from http import HTTPStatus

from django.utils.http import parse_http_date_safe
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.responders import NOT_MODIFIED_HEADERS, Response, SlicedFile

from .byte_ranges import UnsatisfiableRange, requested_span
from .encoding import preferred_coding
from .preconditions import conditional_response, is_conditional

# The fields of a copy's 200 that its 416 keeps.
REFUSAL_FIELDS = ("Vary", "Access-Control-Allow-Origin")


def coded_etag(etag, coding):
    """A strong ETag of the file's for its copy in `coding`: `"5f3a-1c2"` → `"5f3a-1c2-br"`."""
    return f'{etag[:-1]}-{coding}"'


class CodedStaticFile:
    """A static file of WhiteNoise's (`static_file`, whose 405 it answers with) and its gzip and
    Brotli copies, each a representation of its own. Each has its own strong ETag: WhiteNoise gave the
    copies the file's, so a cache could answer a client's ETag with bytes it cannot decode, or join a range
    of one copy to another's (RFC 9110 §8.8.3). The copy is chosen by `Accept-Encoding`'s q-values, as the
    API's responses are (WhiteNoise took any mention: `gzip;q=0` got gzip). Preconditions are the API's
    (spacedevs/preconditions.py: ETag lists, `If-Match`, `If-Unmodified-Since`), and a `Range` holds only
    for the representation its `If-Range` names (WhiteNoise read neither), read as RFC 9110 reads it
    (spacedevs/byte_ranges.py)."""

    def __init__(self, static_file):
        self.static_file = static_file
        # {coding (None: the file as it is): (path, headers)}, the smallest first, as WhiteNoise orders them.
        self.variants = {}
        for _, path, headers in static_file.alternatives:
            fields = dict(headers)
            coding = fields.get("Content-Encoding")
            if coding and "ETag" in fields:
                fields["ETag"] = coded_etag(fields["ETag"], coding)
            self.variants[coding] = (path, fields)
        self.codings = [coding for coding in self.variants if coding]
        _, fields = self.variants[None]
        self.modified_second = parse_http_date_safe(fields.get("Last-Modified", ""))

    def variant(self, meta):
        """The (path, headers) of the copy a request's `Accept-Encoding` prefers."""
        return self.variants[preferred_coding(meta.get("HTTP_ACCEPT_ENCODING", ""), self.codings)]

    def precondition_answer(self, request):
        """Django's 304 or 412 when the request's preconditions decide its answer, else None."""
        if request.method not in ("GET", "HEAD") or not is_conditional(request.META):
            return None
        _, fields = self.variant(request.META)
        answer = conditional_response(request, fields.get("ETag"), self.modified_second, None)
        if answer is not None:
            # A 412 varies with Accept-Encoding as much as a 304 does: it is one copy's precondition.
            kept = NOT_MODIFIED_HEADERS if answer.status_code == HTTPStatus.NOT_MODIFIED else ("Vary",)
            for name in kept:
                if name in fields:
                    answer[name] = fields[name]
        return answer

    def asks_range(self, method, request_headers, fields):
        """Whether the request asks a range of the copy `fields` describes: a GET (HTTP defines ranges for no
        other method, and a server ignores them there, RFC 9110 §14.2) with a `Range` that holds under its
        `If-Range`, if any. A date names a copy only when the file has no other: every copy shares the
        file's Last-Modified, so a range of one could otherwise be joined to another's bytes."""
        if method != "GET" or "HTTP_RANGE" not in request_headers:
            return False
        if_range = request_headers.get("HTTP_IF_RANGE")
        if if_range is None or if_range == fields.get("ETag"):
            return True
        return not self.codings and if_range == fields.get("Last-Modified")

    def get_response(self, method, request_headers):
        """WhiteNoise's answer (its Response), as WhiteNoiseMiddleware.serve asks a static file for it."""
        if method not in ("GET", "HEAD"):
            return self.static_file.get_response(method, request_headers)
        path, fields = self.variant(request_headers)
        span = None
        if self.asks_range(method, request_headers, fields):
            try:
                span = requested_span(request_headers["HTTP_RANGE"], int(fields["Content-Length"]))
            except UnsatisfiableRange:
                return self.range_refusal(fields)
        file_handle = open(path, "rb") if method == "GET" else None  # noqa: SIM115 (the response closes it)
        if span is None:
            return Response(HTTPStatus.OK, list(fields.items()), file_handle)
        first, last = span
        headers = [(name, value) for name, value in fields.items() if name != "Content-Length"]
        headers += [
            ("Content-Range", f"bytes {first}-{last}/{fields['Content-Length']}"),
            ("Content-Length", str(last - first + 1)),
        ]
        return Response(HTTPStatus.PARTIAL_CONTENT, headers, SlicedFile(file_handle, first, last))

    @staticmethod
    def range_refusal(fields):
        """The 416 of the copy `fields` describes: its own (a cache must not answer another encoding's
        client with it), and one a page of another origin may read, as it reads the file."""
        refusal = [("Content-Range", f"bytes */{fields['Content-Length']}")]
        refusal += [(name, fields[name]) for name in REFUSAL_FIELDS if name in fields]
        return Response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, refusal, None)


class CodedStaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise's middleware, serving each static file as a CodedStaticFile."""

    def get_static_file(self, path, url, stat_cache=None):
        return CodedStaticFile(super().get_static_file(path, url, stat_cache))

    def serve(self, static_file, request):
        if not isinstance(static_file, CodedStaticFile):  # a Redirect (WHITENOISE_INDEX_FILE's)
            return super().serve(static_file, request)
        answer = static_file.precondition_answer(request)
        return super().serve(static_file, request) if answer is None else answer
