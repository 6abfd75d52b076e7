"""A page of stored documents read as a paginator reads a queryset: counted, then sliced."""

from functools import cached_property

from django.db import connections

from ..driver import fetch_texts


def statement_text(sql, params):
    """A compiled query as text that tells any two queries apart: its parameters are kept apart from its SQL
    (pasted in, as `str(query)` does, `["a, b"]` would read as `["a", "b"]`)."""
    return f"{sql}\n{params!r}"


class StoredPage:
    """The rows of a filtered, ordered `queryset` as their stored documents in `mode` (a text column of the
    one-to-one `relation`'s model): what LL2Pagination asks of a queryset, `count()` and a slice, the slice
    giving [(pk, document as UTF-8 bytes, or None)] in the queryset's order.

    The ids' statement is compiled once, for the count's cache key and the slice. On PostgreSQL the slice is
    one statement: the page's ids, in order, as an array joined to their documents (a join below the
    `OFFSET` would fetch the document of every row skipped). Elsewhere, the ids, then their documents.

    A page past the middle is read from the other end, when the count is known (`known_count`, which the
    paginator sets) and the order is total (it ends with the primary key): in the reversed order, then
    turned round. The database skips the rows after the page rather than those before it, so the last page
    of 100,000 costs what the first does.
    """

    def __init__(self, queryset, relation, mode):
        self.ids = queryset.values_list("pk", flat=True)
        self.relation = relation
        self.mode = mode
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
            # The documents as PostgreSQL sends them, UTF-8 bytes (driver.py): never decoded to be encoded.
            rows = fetch_texts(self.connection, self._joined(sql), params)
            to_python = self.ids.model._meta.pk.to_python
            return [(to_python(pk.decode()), document) for pk, document in rows]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [pk for (pk,) in cursor.fetchall()]
        owner = self.relation.field.attname
        documents = dict(
            self.relation.related_model._default_manager.using(self.ids.db)
            .filter(**{f"{owner}__in": ids})
            .values_list(owner, self.mode)
        )
        return [(pk, None if documents.get(pk) is None else documents[pk].encode()) for pk in ids]

    def _joined(self, ids_sql):
        quote = self.connection.ops.quote_name
        documents = self.relation.related_model._meta
        owner = quote(self.relation.field.column)
        return (
            f"SELECT page.id, documents.{quote(self.mode)} "
            f"FROM unnest(ARRAY({ids_sql})) WITH ORDINALITY AS page (id, position) "
            f"LEFT JOIN {quote(documents.db_table)} documents ON documents.{owner} = page.id "
            "ORDER BY page.position"
        )
