"""Documents rendered when their row is written, and served as stored bytes.

A stored document is the serializer's own JSON for one row and mode, rendered without a request: its links
are paths from the root behind a marker (`"\\u0000/2.3.0/…"`, which no stored text can contain, since
ingestion and Django's forms refuse NUL characters). Serving splices the request's scheme, host, script
prefix (a deployment under `/mirror`) and `?format=` into each link, giving the bytes the serializer would
have given for that request.
"""

import hashlib
from contextlib import contextmanager
from functools import lru_cache
from urllib.parse import quote

import orjson
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.http import Http404
from django.urls import get_script_prefix, set_script_prefix
from django.utils.http import RFC3986_SUBDELIMS, escape_leading_slashes
from rest_framework.response import Response
from rest_framework.reverse import preserve_builtin_query_params

from ..driver import fetch_texts
from ..gzip_parts import KnownPart
from .compiled import NotCompilable, compiled
from .queryplan import plan_of
from .renderers import FastJSONRenderer
from .rowset import RowSet
from .stored_pages import StoredPage

LINK_MARK = "\x00"
# How a stored link starts: a string opening with an escaped NUL, which no other string can (see above).
_LINK_START = b'"\\u0000'

_renderer = FastJSONRenderer()


def stored_context():
    """The serializer context that renders links as marked paths."""
    return {"link_prefix": LINK_MARK}


@contextmanager
def _links_from_the_root():
    """Links reversed under the script prefix "/": a stored link holds no prefix, whichever request (or
    script) wrote the document; serving puts each request's own in front (splice)."""
    prefix = get_script_prefix()
    set_script_prefix("/")
    try:
        yield
    finally:
        set_script_prefix(prefix)


@_links_from_the_root()
def render_stored(serializer_class, instances, context=None):
    """{pk: document} for `instances`, rendered by `serializer_class` as stored documents."""
    rows = serializer_class(instances, many=True, context=context or stored_context()).data
    return {row["id"]: _renderer.render(row).decode() for row in rows}


def stored_renderings(serializer_classes, queryset):
    """The stored documents of the rows of `queryset` in every mode of `serializer_classes`, as an iterator
    of (pk, {mode: document}): by their compiled forms over rows read once (compiled.py), else by the
    serializers themselves. Every query is made, and every link's path looked up, before this returns; with
    the compiled forms, each row's documents are rendered as the iterator reaches it, so that a writer
    stores one row while the database takes in the ones before."""
    try:
        return _render_compiled(serializer_classes, queryset)
    except NotCompilable:
        return _render_serialized(serializer_classes, queryset)


def _render_compiled(serializer_classes, queryset):
    modes = {mode: compiled(cls) for mode, cls in serializer_classes.items()}
    rows = RowSet.read(modes.values(), queryset, stored_context()["link_prefix"])
    with _links_from_the_root():
        rows.resolve_links()
    return _rendered_one_by_one(modes, rows, list(rows.rows[queryset.model]))


def _rendered_one_by_one(forms, rows, pks):
    for pk in pks:
        yield pk, {mode: _document(rows.render(form, pk)) for mode, form in forms.items()}


def _document(representation):
    return _renderer.render_plain(representation).decode()


def _render_serialized(serializer_classes, queryset):
    """Each mode by its serializer, over rows read once with the query plan of the mode that extends every
    other (its plan covers theirs)."""
    classes = serializer_classes.values()
    widest = next(cls for cls in classes if all(issubclass(cls, other) for other in classes))
    instances = list(plan_of(widest).apply(queryset))
    context = stored_context()  # one render of each nested object for every mode
    rendered = {mode: render_stored(cls, instances, context) for mode, cls in serializer_classes.items()}
    return iter([(row.pk, {mode: rendered[mode][row.pk] for mode in rendered}) for row in instances])


@lru_cache(maxsize=16)  # quoting would cost a request more than the rest of the origin
def _reversed_prefix(prefix):
    """The script `prefix` as reverse() starts a path with it (quoted, leading slashes escaped)."""
    return escape_leading_slashes(quote(prefix, safe=RFC3986_SUBDELIMS + "/~:@"))


class LinkSplicer:
    """Makes the links of stored JSON absolute for `request`, keeping `?format=`: their origin is the one
    DRF's reverse() gives, under the script prefix the handler set for the request. `variant` names what
    the result depends on besides the JSON (the origin and the suffix): the same JSON and variant, the same
    bytes."""

    def __init__(self, request):
        origin = request.build_absolute_uri(_reversed_prefix(get_script_prefix())).removesuffix("/").encode()
        self.quoted_origin = b'"' + origin
        self.suffix = preserve_builtin_query_params("", request).encode()
        self.variant = (origin, self.suffix)

    def __call__(self, piece):
        """`piece` (stored JSON, bytes, no link split in two) spliced."""
        parts = piece.split(_LINK_START)
        if self.suffix:
            # Each part after the first starts with a link's path, up to the quote that ends it.
            for index in range(1, len(parts)):
                end = parts[index].index(b'"')
                parts[index] = parts[index][:end] + self.suffix + parts[index][end:]
        return self.quoted_origin.join(parts)


def as_array(documents):
    """The pieces of a JSON array of the list `documents` (JSON, bytes): brackets, documents and commas."""
    pieces = [b"["]
    for document in documents:
        pieces += (document, b",")
    pieces[-1] = b"]" if documents else b"[]"
    return pieces


def first_row(documents):
    """The first row of `documents` (a queryset of two text columns: a document and the fingerprint of the
    code that rendered it), each as UTF-8 bytes or None where the row has no documents; Http404 if there is
    no row. On PostgreSQL, the bytes PostgreSQL sent (driver.py): no cursor, and no text decoded only to be
    encoded again."""
    connection = connections[documents.db]
    if connection.vendor != "postgresql":
        rows = [tuple(None if text is None else text.encode() for text in row) for row in documents]
    else:
        try:
            rows = fetch_texts(connection, *documents.query.sql_with_params())
        except EmptyResultSet:  # a lookup no row can match, as the ORM's own evaluation answers it
            rows = []
    if not rows:
        raise Http404
    return rows[0]


class StoredDocumentsMixin:
    """Serves a mode viewset's rows from stored documents instead of rendering them per request.

    `documents_relation` names the one-to-one relation from the model to its documents: one text field per
    mode, each with its digest (`<mode>_digest`), and `fingerprint`, of the code that rendered them, which
    `documents_fingerprint()` gives for this code. Filters, search and ordering run on the model as before;
    the page is read as its documents (StoredPage). A request with a format suffix in its path (`.json`),
    whose links DRF renders with that suffix, is rendered by the serializer, as are the rows whose documents
    another code rendered (a writer of the code before, still running through a deploy, after this code's
    migrate rendered them all again).
    """

    documents_relation: str

    @staticmethod
    def documents_fingerprint():
        """The fingerprint of the code the documents served are rendered by."""
        raise NotImplementedError

    def _stored(self):
        return self.format_kwarg is None

    def _stored_queryset(self):
        # The mode is checked before any filter, as where rows are rendered (get_queryset asks the mode's
        # serializer for its plan first): an unknown mode is the 400, whatever else the query has wrong.
        self.get_mode()
        return self.filter_queryset(self.get_unplanned_queryset())

    def _document_field(self):
        return f"{self.documents_relation}__{self.get_mode()}"

    def list(self, request, *args, **kwargs):
        if not self._stored():
            return super().list(request, *args, **kwargs)
        relation = self.queryset.model._meta.get_field(self.documents_relation)
        mode, fingerprint = self.get_mode(), self.documents_fingerprint()
        stored = StoredPage(self._stored_queryset(), relation, mode, LinkSplicer(request), fingerprint)
        page = self.paginate_queryset(stored)
        if any(document is None for _, _, document in page):
            return super().list(request, *args, **kwargs)  # not rendered yet: see render_documents
        pieces = as_array([document for _, _, document in page])
        results = self._results(pieces)
        response = self.get_paginated_response(results)
        if isinstance(results, orjson.Fragment):
            # The envelope's last member, as they are, then its closing brace: the same bytes wherever the
            # same documents are spliced alike.
            digests = hashlib.sha256(b"".join(digest for _, digest, _ in page)).digest()
            key = (stored.splice.variant, digests)
            response.known_part = KnownPart(key, length=sum(map(len, pieces)), after=len(b"}"))
        return response

    def retrieve(self, request, *args, **kwargs):
        if not self._stored():
            return super().retrieve(request, *args, **kwargs)
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        try:
            # Unordered: the lookup finds one row at most, which the ordering would only cost compiling.
            rows = self._stored_queryset().filter(**lookup).order_by()
            found = rows.values_list(self._document_field(), f"{self.documents_relation}__fingerprint")[:1]
        except (TypeError, ValueError, ValidationError):
            raise Http404 from None  # an id no row can have, as DRF's get_object_or_404 answers it
        document, rendered_by = first_row(found)
        if document is None or rendered_by != self.documents_fingerprint().encode():
            return super().retrieve(request, *args, **kwargs)
        return Response(self._results([LinkSplicer(request)(document)]))

    def _results(self, pieces):
        """The JSON of `pieces` (spliced): raw for the renderer that would give exactly these bytes, else
        parsed."""
        body = b"".join(pieces)
        renderer = self.request.accepted_renderer
        if isinstance(renderer, FastJSONRenderer) and renderer.renders_compact(
            self.request.accepted_media_type, self.get_renderer_context()
        ):
            return orjson.Fragment(body)
        return orjson.loads(body)
