"""The requests measured at each size, and each one's database floor.

The database floor of a request is the time PostgreSQL takes to return its page's data in one statement:
the view's own filtered and ordered queryset (built by the view from the request, as DRF builds it), turned
into the statements that read the page's stored documents (`values_list("document__<mode>")`, sliced by
offset and limit; and the page's ids, sliced, then their documents), executed and fetched on a raw psycopg
cursor with a web worker's session settings: the faster of the two. The view itself needs more than that
(a count, the page's ids, then their documents, plus the data state): the floor is what no implementation
reading these bytes from this database could beat. (The API counts a query once per data version, and holds
the documents it served in memory, reading only the others: spacedevs/api/document_cache.py; so an
"uncached" request, one no response cache holds, reads neither, unless measured with no document held.)
"""

import statistics
import time
from dataclasses import asdict, dataclass

import psycopg
from django.db import connection
from django.test import RequestFactory
from django.urls import resolve
from psycopg.conninfo import conninfo_to_dict

from spacedevs.api.stored_pages import StoredPage
from spacedevs.faults import web_session_settings

API = "/2.3.0/"
DATABASE_FLOOR_WARMUP = 3


@dataclass(frozen=True)
class Case:
    """One request: `name` (short, for tables), the path under /2.3.0/, its mode, and the headers it sends
    beside the run's own (as (name, value) pairs; its own win)."""

    name: str
    path: str
    mode: str
    kind: str  # "page", "offset", "filter", "detail"
    headers: tuple = ()

    @property
    def url_path(self):
        return API + self.path

    def request_headers(self, run_headers):
        """The headers of each of its requests, given the run's."""
        return {**run_headers, **dict(self.headers)}

    def as_dict(self):
        return {**asdict(self), "url_path": self.url_path}


def build_cases(size, values):
    """The cases at `size` events, with the filter values read from the data (dataset.FilterValues)."""
    cases = [
        Case(f"{mode} {limit}", f"events/?mode={mode}&limit={limit}", mode, "page")
        for mode in ("list", "normal", "detailed")
        for limit in (10, 100)
    ]
    # The issue's own measure of the detailed page against its transport floor: the body uncompressed.
    cases.append(
        Case(
            "detailed 100 identity",
            "events/?mode=detailed&limit=100",
            "detailed",
            "page",
            headers=(("Accept-Encoding", "identity"),),
        )
    )
    agencies = ",".join(str(agency_id) for agency_id in values.agency_ids)
    cases += [
        Case(
            f"list 100 offset {size - 100}",
            f"events/?mode=list&limit=100&offset={size - 100}",
            "list",
            "offset",
        ),
        Case(
            "agencies+dates",
            f"events/?agency__ids={agencies}&date__gte={values.date_from}&date__lte={values.date_to}"
            "&ordering=-last_updated&mode=detailed&limit=100",
            "detailed",
            "filter",
        ),
        Case("search", f"events/?search={values.search_word}&mode=normal&limit=100", "normal", "filter"),
        Case(
            "upcoming",
            "events/upcoming/?hide_recent_previous=true&mode=detailed&limit=100",
            "detailed",
            "filter",
        ),
        Case("detail", f"events/{values.event_id}/", "detailed", "detail"),
    ]
    return cases


def page_statements(case):
    """The statements that return the case's stored documents (each row's last value), each (sql, params);
    the rows they return; and the statement counting the query's rows (None for an `{id}/`). The first
    statement is the rows joined to their documents, sliced by offset and limit; for a page, the second is
    the API's own (StoredPage.joined): the page's ids sliced first, then joined to their documents
    (PostgreSQL joins the first below its OFFSET: it reads the document of every row skipped)."""
    match = resolve(case.url_path.split("?")[0])
    view_function = match.func
    view = view_function.cls(**view_function.initkwargs)
    view.action_map = view_function.actions
    for method, action in view.action_map.items():  # as the view function binds them (what `initial` checks)
        setattr(view, method, getattr(view, action))
    view.args, view.kwargs = (), match.kwargs
    view.request = view.initialize_request(RequestFactory().get(case.url_path, HTTP_HOST="127.0.0.1"))
    view.initial(view.request)
    mode = view.get_mode()
    queryset = view._stored_queryset()
    if view.detail:
        lookup = {view.lookup_field: view.kwargs[view.lookup_url_kwarg or view.lookup_field]}
        page = queryset.filter(**lookup).values_list(f"{view.documents_relation}__{mode}", flat=True)[:1]
        return [compiled(page)], len(page), None
    start = view.paginator.get_offset(view.request)
    stop = start + view.paginator.get_limit(view.request)
    page = queryset.values_list(f"{view.documents_relation}__{mode}", flat=True)[start:stop]
    ids = queryset.values_list("pk", flat=True)
    ids_sql, params = compiled(ids[start:stop])
    # The API's own statement of a page's ids and their documents (rows of id, document).
    relation = queryset.model._meta.get_field(view.documents_relation)
    fingerprint = view.documents_fingerprint()
    ids_first = StoredPage(queryset, relation, mode, None, fingerprint).joined(ids_sql, [mode])
    all_sql, all_params = compiled(ids.order_by())
    return (
        [compiled(page), (ids_first, (*params, fingerprint))],
        len(page),
        (f"SELECT COUNT(*) FROM ({all_sql}) ids", all_params),
    )


def compiled(queryset):
    """A queryset's (sql, params), as Django sends them to its database."""
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def database_floor(case, database_url, runs):
    """Milliseconds to execute the case's page statement and fetch its rows (after a warm-up), of the
    fastest of its statements (page_statements) by their median, and that statement; and the median
    milliseconds of its count, which the API makes once per query and data version."""
    statements, expected, count = page_statements(case)
    with (
        psycopg.connect(
            database_url,
            autocommit=True,
            cursor_factory=psycopg.ClientCursor,
            options=web_session_options(database_url),
        ) as raw,
        raw.cursor() as cursor,
    ):
        measured = []
        for sql, params in statements:
            timings, rows = timed(cursor, sql, params, runs)
            if len(rows) != expected:
                raise RuntimeError(f"{case.name}: {len(rows)} rows, expected {expected}")
            measured.append((statistics.median(timings), timings, cursor.mogrify(sql, params), rows))
        count_ms = None if count is None else statistics.median(timed(cursor, *count, runs)[0])
    median, timings, statement, rows = min(measured, key=lambda figures: figures[0])
    return {
        "median_ms": round(median, 3),
        "min_ms": round(min(timings), 3),
        "runs": runs,
        "rows": expected,
        "document_bytes": sum(len(row[-1].encode()) for row in rows),
        "statement": statement,
        "medians_ms": [round(figures[0], 3) for figures in measured],
        "count_ms": None if count_ms is None else round(count_ms, 3),
    }


def timed(cursor, sql, params, runs):
    """The milliseconds of `runs` executions of `sql` with their fetches (after a warm-up), and the rows."""
    timings = []
    for run in range(DATABASE_FLOOR_WARMUP + runs):
        started = time.perf_counter()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if run >= DATABASE_FLOOR_WARMUP:
            timings.append((time.perf_counter() - started) * 1000)
    return timings, rows


def web_session_options(database_url):
    """libpq's `options` for `database_url` giving its connection the settings of a web worker's (the floor
    is the database's time under the server's own settings): those the URL gives, then the worker's, which
    win where both set one (as the worker's own session settings do, set once it has connected)."""
    given = conninfo_to_dict(database_url).get("options", "")
    worker = [f"-c {name}={value}" for name, value in web_session_settings().items()]
    return " ".join([given, *worker] if given else worker)


def close_django_connection():
    """Leave no idle Django connection behind while servers are measured."""
    connection.close()
