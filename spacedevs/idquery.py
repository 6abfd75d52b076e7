"""One query run again and again for other ids, compiled once where the database allows."""

from django.db import connections
from django.db.models.query import ValuesIterable, ValuesListIterable


class IdQuery:
    """The rows of a values() or values_list() `queryset` whose `column` is among some ids (dicts or tuples).

    Django compiles a queryset afresh each time (over half a millisecond a statement), which a writer running
    the same few dozen statements for every batch pays again and again. On PostgreSQL, `any_of` sends the ids
    as one array, so the statement is the same for any ids: it is compiled on the first call, then run with
    each call's ids, when its columns need no conversion from what the driver gives. Elsewhere, and for other
    statements, the queryset runs as it is.
    """

    def __init__(self, queryset, column):
        if queryset._iterable_class not in (ValuesIterable, ValuesListIterable):
            raise TypeError("IdQuery reads values() or values_list() querysets")
        self.queryset, self.column = queryset, column
        self._statements = {}  # database alias -> (sql, params, where the ids go, column names), or None

    def __call__(self, ids):
        ids = list(ids)
        if not ids:
            return []
        alias = self.queryset.db
        if alias not in self._statements:
            self._statements[alias] = _statement(self._filtered(ids))
        statement = self._statements[alias]
        if statement is None:
            return list(self._filtered(ids))
        sql, params, ids_at, names = statement
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [*params[:ids_at], ids, *params[ids_at + 1 :]])
            rows = cursor.fetchall()
        if self.queryset._iterable_class is ValuesIterable:
            return [dict(zip(names, row, strict=True)) for row in rows]
        return rows

    def _filtered(self, ids):
        return self.queryset.filter(**{f"{self.column}__any_of": ids})


def _statement(queryset):
    """(sql, params, the index of the ids among them, the column names) of `queryset`, if it can run again
    with other ids."""
    query = queryset.query
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or query.extra_select or query.annotation_select:
        return None
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    lists = [index for index, param in enumerate(params) if isinstance(param, list)]
    selected = compiler.select[: compiler.col_count]
    if len(lists) != 1 or compiler.get_converters([column for column, _, _ in selected]):
        return None
    return sql, list(params), lists[0], [name for _, _, name in selected]
