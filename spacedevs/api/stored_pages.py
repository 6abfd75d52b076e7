"""A page of stored documents read as a paginator reads a queryset: counted, then sliced."""

from functools import cached_property

from django.db import connections, models

from ..driver import fetch_texts
from .document_cache import documents_held


def statement_text(sql, params):
    """A compiled query as text that tells any two queries apart: its parameters are kept apart from its SQL
    (pasted in, as `str(query)` does, `["a, b"]` would read as `["a", "b"]`)."""
    return f"{sql}\n{params!r}"


class StoredPage:
    """The rows of a filtered, ordered `queryset` as their stored documents in `mode` (a text column of the
    one-to-one `relation`'s model) spliced by `splice` (a LinkSplicer): what LL2Pagination asks of a
    queryset, `count()` and a slice, the slice giving [(pk, digest of its document, the document), both
    UTF-8 bytes] in the queryset's order (the document None where it is not rendered, was rendered by code
    other than the one of `fingerprint` (the documents' `fingerprint` column), or was written again since
    its digest was read).

    The ids' statement is compiled once, for the count's cache key and the slice. On PostgreSQL the slice is
    the page's ids, in order, as an array joined to their documents' digests (a join below the `OFFSET`
    would read the document of every row skipped), and the documents, spliced, come from the process's
    memory (document_cache.py); those it does not hold are read in a second statement, spliced and held.
    When the last page of the same documents found fewer than half of them held (a process just started, or
    holding none: DOCUMENT_CACHE_BYTES=0, or a crawler's pages), the statement reads the documents along
    with their digests instead, and holds them. Elsewhere, the ids, then their documents.

    A page past the middle is read from the other end, when the count is known (`known_count`, which the
    paginator sets) and the order is total (it ends with the primary key): in the reversed order, then
    turned round. The database skips the rows after the page rather than those before it, so the last page
    of 100,000 costs what the first does.
    """

    def __init__(self, queryset, relation, mode, splice, fingerprint):
        self.ids = queryset.values_list("pk", flat=True)
        self.relation = relation
        self.mode = mode
        self.splice = splice
        self.fingerprint = fingerprint
        self.connection = connections[self.ids.db]
        self.known_count = None

    @cached_property
    def _compiled(self):
        return self.ids.query.sql_with_params()

    @property
    def statement(self):
        """The ids' statement, with its parameters: equal statements, equal rows (for equal data)."""
        return statement_text(*self._compiled)

    def count(self):
        return self.ids.count()

    def __getitem__(self, page):
        count = self.known_count
        if count is not None and page.start >= count:
            return []
        if count is not None and page.start > count // 2 and self._totally_ordered():
            stop = min(page.stop, count)
            sql, params = self.ids.reverse().query.sql_with_params()
            return self._page(sql, params, count - stop, count - page.start)[::-1]
        sql, params = self._compiled
        return self._page(sql, params, page.start, page.stop)

    def _totally_ordered(self):
        order_by = self.ids.query.order_by
        return bool(order_by) and str(order_by[-1]).removeprefix("-") in ("pk", self.ids.model._meta.pk.name)

    def _page(self, sql, params, start, stop):
        sql = f"{sql} {self.connection.ops.limit_offset_sql(start, stop)}"
        if self.connection.vendor == "postgresql":
            params = [*params, self.fingerprint]  # the join's, after the ids'
            if documents_held.expects_held(self._kind):
                read = fetch_texts(self.connection, self.joined(sql, [self._digest]), params)
                rows = [(self._pk_of(pk), digest) for pk, digest in read]
                documents = self._documents(rows)
            else:
                read = fetch_texts(self.connection, self.joined(sql, [self._digest, self.mode]), params)
                rows = [(self._pk_of(pk), digest) for pk, digest, _ in read]
                documents = self._documents_read(read)
            return [(pk, digest, documents.get(digest)) for pk, digest in rows]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [pk for (pk,) in cursor.fetchall()]
        owner = self.relation.field.attname
        found = {
            pk: (digest, document)
            for pk, digest, document in self.relation.related_model._default_manager.using(self.ids.db)
            .filter(**{f"{owner}__in": ids, "fingerprint": self.fingerprint})
            .values_list(owner, self._digest, self.mode)
        }
        page = []
        for pk in ids:
            digest, document = found.get(pk, (None, None))
            if document is None:
                page.append((pk, None, None))
            else:
                page.append((pk, digest.encode(), self.splice(document.encode())))
        return page

    def joined(self, ids_sql, columns):
        """The page's ids, in order, with `columns` of their documents (NULL for those not rendered, or
        rendered by other code): its parameters are the ids', then the fingerprint."""
        selected = ", ".join(f"documents.{self._quote(column)}" for column in columns)
        return (
            f"SELECT page.id, {selected} "
            f"FROM unnest(ARRAY({ids_sql})) WITH ORDINALITY AS page (id, position) "
            f"LEFT JOIN {self._documents_table} documents ON documents.{self._owner} = page.id "
            f"AND documents.{self._quote('fingerprint')} = %s "
            "ORDER BY page.position"
        )

    def _documents(self, rows):
        """{digest: document, spliced} for the page's `rows` [(pk, digest of its document, or None)]: held
        in memory, or read, spliced and held. A document written again since its digest was read is not
        among them (nor is the page's response kept: its data changed)."""
        found = self._held([digest for _, digest in rows if digest is not None])
        missing = [pk for pk, digest in rows if digest is not None and digest not in found]
        if missing:
            # The documents as PostgreSQL sends them, UTF-8 bytes (driver.py): never decoded to be encoded.
            read = fetch_texts(
                self.connection,
                f"SELECT {self._quote(self._digest)}, {self._quote(self.mode)} FROM {self._documents_table} "
                f"WHERE {self._owner} = ANY(%s)",
                [missing],
            )
            for digest, document in read:
                found[digest] = self._hold(digest, document)
        return found

    def _documents_read(self, read):
        """{digest: document, spliced} for the page's rows as read with their documents [(pk, digest,
        document)]: the documents held already, or spliced now and held."""
        found = self._held([digest for _, digest, _ in read if digest is not None])
        for _, digest, document in read:
            if digest is not None and digest not in found:
                found[digest] = self._hold(digest, document)
        return found

    def _held(self, digests):
        """{digest: document, spliced} of the `digests` held for this request's splice; noted for the choice
        of the next page's statement."""
        variant = self.splice.variant
        held = documents_held.get_many([(digest, variant) for digest in digests])
        documents_held.saw(self._kind, held=len(held), asked=len(digests))
        return {digest: document for (digest, _), document in held.items()}

    def _hold(self, digest, document):
        """`document` (whose digest is `digest`) spliced, and held."""
        spliced = self.splice(document)
        documents_held.keep((digest, self.splice.variant), spliced)
        return spliced

    @cached_property
    def _pk_of(self):
        """A row's id from its text as PostgreSQL sends it (UTF-8 bytes): an integer read as it is."""
        pk = self.ids.model._meta.pk
        if isinstance(pk, models.IntegerField):
            return int
        return lambda text: pk.to_python(text.decode())

    @property
    def _kind(self):
        """What the documents held are counted by, to choose how the next page reads them."""
        return self._documents_table, self.mode

    @property
    def _quote(self):
        return self.connection.ops.quote_name

    @property
    def _digest(self):
        return f"{self.mode}_digest"

    @property
    def _documents_table(self):
        return self._quote(self.relation.related_model._meta.db_table)

    @property
    def _owner(self):
        return self._quote(self.relation.field.column)
