"""One query run again and again for other ids, compiled once where the database allows."""

from collections import defaultdict

from django.db import connections
from django.db.models.query import ValuesIterable, ValuesListIterable

from .driver import fetch_all_rows


class IdQuery:
    """The rows of a values() or values_list() `queryset` whose `column` is among some ids (dicts or tuples).

    Django compiles a queryset afresh each time (over half a millisecond a statement), which a writer running
    the same few dozen statements for every batch pays again and again. On PostgreSQL, `any_of` sends the ids
    as one array, so the statement is the same for any ids: it is compiled on the first call, then run with
    each call's ids, when its columns need no conversion from what the driver gives. Elsewhere, and for other
    statements, the queryset runs as it is. `run_together` runs several at once.
    """

    def __init__(self, queryset, column):
        if queryset._iterable_class not in (ValuesIterable, ValuesListIterable):
            raise TypeError("IdQuery reads values() or values_list() querysets")
        self.queryset, self.column = queryset, column
        self._statements = {}  # database alias -> (sql, params, where the ids go, column names), or None

    def __call__(self, ids):
        (rows,) = run_together([(self, ids)])
        return rows

    def _bound(self, ids):
        """(sql, params) of the statement for `ids` (a list, not empty), or None where the queryset runs."""
        alias = self.queryset.db
        if alias not in self._statements:
            self._statements[alias] = _statement(self._filtered(ids))
        statement = self._statements[alias]
        if statement is None:
            return None
        sql, params, ids_at, _ = statement
        return sql, [*params[:ids_at], ids, *params[ids_at + 1 :]]

    def _shaped(self, rows):
        """The driver's `rows` (tuples) as the queryset gives them."""
        if self.queryset._iterable_class is ValuesIterable:
            names = self._statements[self.queryset.db][3]
            return [dict(zip(names, row, strict=True)) for row in rows]
        return rows

    def _filtered(self, ids):
        return self.queryset.filter(**{f"{self.column}__any_of": ids})


def run_together(calls):
    """The rows of each call (IdQuery, ids) of `calls`, in order. The statements of a database that IdQuery
    compiled are sent together, in one round trip (spacedevs/driver.py), where each would wait for its own
    answer: a batch of documents reads a dozen tables, and their lists, at each step. They run in order, each
    seeing what was committed before it began, as when sent one by one."""
    results = [[] for _ in calls]
    together = defaultdict(list)  # database alias -> [(index of the call, query, (sql, params))]
    for index, (query, ids) in enumerate(calls):
        ids = list(ids)
        if not ids:
            continue
        bound = query._bound(ids)
        if bound is None:
            results[index] = list(query._filtered(ids))
        else:
            together[query.queryset.db].append((index, query, bound))
    for alias, statements in together.items():
        found = fetch_all_rows(connections[alias], [bound for _, _, bound in statements])
        for (index, query, _), rows in zip(statements, found, strict=True):
            results[index] = query._shaped(rows)
    return results


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
