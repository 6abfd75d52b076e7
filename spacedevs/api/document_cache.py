"""Stored documents kept in each process's memory as they are served, under their digest.

Every uncached page reads its documents: a detailed page of 100 is over half a megabyte that PostgreSQL
decompresses and sends and the worker takes in and splices, and most pages show the same few hundred events
(the upcoming and the latest). Each document's row carries the SHA-256 of its text, computed by the
database whenever the row is written (`<mode>_digest`), so a page reads its ids and their digests, and then
only the documents this process does not hold yet. A document is held spliced (stored.py), under its digest
and what the splice put in (the request's origin and `?format=`): the same key, the same bytes, so what is
held is never stale (a document written again has another digest).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import SHA256

from ..held_bytes import HeldBytes

# What an entry costs beyond its document's bytes: its key (the digest and the origin and suffix spliced in,
# each request's own objects), the bytes object and the dictionary's links; measured with tracemalloc.
ENTRY_OVERHEAD = 384


class DocumentCache(HeldBytes):
    """Documents (UTF-8 bytes) by key, at most `max_bytes` of them (each counted as its length and
    ENTRY_OVERHEAD), the least recently used going first; what the pages of each kind found held, for the
    choice of the next page's statement (stored_pages.py)."""

    def __init__(self, max_bytes):
        super().__init__(max_bytes, ENTRY_OVERHEAD)
        self._mostly_held = {}  # {kind: whether the last page of that kind found half its documents held}

    def expects_held(self, kind):
        """Whether the last page of documents of `kind` (see `saw`) found at least half of them held."""
        return self._mostly_held.get(kind, False)

    def saw(self, kind, held, asked):
        """Notes that a page of documents of `kind` found `held` of the `asked` held."""
        if asked:
            self._mostly_held[kind] = 2 * held >= asked

    def clear(self):
        super().clear()
        self._mostly_held.clear()


class TextSHA256(SHA256):
    """The SHA-256 of a text's bytes, in hexadecimal, fit for a generated column: on PostgreSQL by its own
    sha256() (Django's SHA256 needs the pgcrypto extension there), of the text's bytes read through bytea's
    escape format, where a backslash is the one byte to escape (convert_to() is only stable, which a
    generated column refuses)."""

    def as_postgresql(self, compiler, connection, **extra_context):
        # E'…' strings: read alike whatever standard_conforming_strings says.
        template = r"encode(sha256(decode(replace(%(expressions)s, E'\\', E'\\\\'), 'escape')), 'hex')"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def digest_of(column):
    """A column holding the digest of the text `column`, computed by the database whenever the row is
    written."""
    return models.GeneratedField(
        expression=TextSHA256(column), output_field=models.CharField(max_length=64), db_persist=True
    )


documents_held = DocumentCache(settings.DOCUMENT_CACHE_BYTES)
