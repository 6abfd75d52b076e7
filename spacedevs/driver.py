"""The hottest reads, made on libpq itself: every request's first (the data state), a page's documents, and
many statements at once (the rows of a batch of documents). psycopg's cursor and Django's cost more than the
database's answer, a page's documents would be decoded from UTF-8 only to be encoded again, and statements
sent one by one each wait for their own answer. They are still made as Django makes its queries: under the
connection's execute wrappers, its error wrapping and its query log (an entry for each round trip), and
within the query deadline in force.
"""

import functools
import hashlib
import select
import time

from psycopg import ClientCursor, errors, pq
from psycopg.adapt import Transformer

from .faults import QueryDeadline


def fetch_one(connection, sql, params=()):
    """The first row of `sql` on a PostgreSQL `connection`, typed, or None; `params` (text, each `$1`, `$2`…
    in `sql`) go with it. The statement is prepared once per driver connection."""
    connection.ensure_connection()
    return _run(connection, sql, functools.partial(_first_row, params=[param.encode() for param in params]))


def fetch_first_rows(connection, statements):
    """The first row of each of `statements` (SQL with no parameters), typed, or None for one that gave no
    row: sent together, in one round trip, and run by PostgreSQL as one transaction (each statement seeing
    what was committed before it began, at the default isolation level)."""
    connection.ensure_connection()
    every = _run(connection, "; ".join(statements), functools.partial(_all_rows, count=len(statements)))
    return [rows[0] if rows else None for rows in every]


def fetch_all_rows(connection, statements):
    """Every row, typed, of each of `statements` ((sql, params), merged as Django's backend merges them):
    sent together, in one round trip, where each would wait for its own answer. They run in order, each
    seeing what was committed before it began (at the default isolation level), in the transaction of an
    atomic block, or else in one of their own."""
    connection.ensure_connection()
    with connection.wrap_database_errors:  # a value psycopg cannot adapt is a Django error, as for a query
        merge = _Kept.of(connection).client_cursor.mogrify
        sql = "; ".join(merge(sql, params) for sql, params in statements)
    return _run(connection, sql, functools.partial(_all_rows, count=len(statements)))


def fetch_texts(connection, sql, params):
    """Every row of `sql` on a PostgreSQL `connection`, `params` merged in as Django's backend merges them;
    each value the UTF-8 text PostgreSQL sent (bytes), or None."""
    connection.ensure_connection()
    with connection.wrap_database_errors:  # a value psycopg cannot adapt is a Django error, as for a query
        sql = _Kept.of(connection).client_cursor.mogrify(sql, params)
    return _run(connection, sql, _text_rows)


def _run(connection, sql, read):
    """`read(exchange, driver, sql)`, called as Django calls a query: the query deadline (a QueryDeadline
    among the execute wrappers) bounds each wait on the connection's socket, so it holds in any thread,
    with no timer; the other wrappers run around the read as around Django's own queries. `connection` is
    connected."""
    wrappers = connection.execute_wrappers
    deadline = next((wrapper for wrapper in wrappers if isinstance(wrapper, QueryDeadline)), None)
    execute = _Exchange(connection, deadline, read)
    for wrapper in reversed(wrappers):
        if wrapper is not deadline:
            execute = functools.partial(wrapper, execute)
    started = time.monotonic()
    with connection.wrap_database_errors:
        rows = execute(sql, None, False, {"connection": connection, "cursor": None})
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return rows


def _first_row(exchange, driver, sql, params):
    kept = _Kept.of(exchange.connection)
    try:
        result = _run_prepared(exchange, driver, kept, sql, params)
    except (errors.InvalidSqlStatementName, errors.FeatureNotSupported) as error:
        # The server forgot the connection's statements (DISCARD ALL, DEALLOCATE), or a column the statement
        # returns has changed type since it was prepared (ALTER … TYPE: a deploy's migrate), which PostgreSQL
        # refuses to run ("cached plan must not change result type") however often it is asked: prepared
        # again. Not in a transaction, which the failure has aborted, nor for a statement PostgreSQL
        # refuses to prepare at all.
        changed = isinstance(error, errors.FeatureNotSupported)
        in_transaction = driver.pgconn.transaction_status != pq.TransactionStatus.IDLE
        if in_transaction or (changed and sql not in kept.prepared):
            raise
        if changed:
            driver.pgconn.send_query(b"DEALLOCATE " + kept.prepared.pop(sql))
            exchange.result(driver, pq.ExecStatus.COMMAND_OK)
        else:
            kept.prepared.clear()
        result = _run_prepared(exchange, driver, kept, sql, params)
    if not result.ntuples:
        return None
    kept.transformer.set_pgresult(result)
    return kept.transformer.load_row(0, tuple)


def _run_prepared(exchange, driver, kept, sql, params):
    name = kept.prepared.get(sql)
    if name is None:
        name = b"spacedevs_" + hashlib.sha1(sql.encode()).hexdigest()[:16].encode()
        driver.pgconn.send_prepare(name, sql.encode())
        try:
            exchange.result(driver, pq.ExecStatus.COMMAND_OK)
        except errors.DuplicatePreparedStatement:
            # The session has it already (a pooler's, prepared by another of its clients): a name is the
            # hash of its statement. Outside a transaction, which this failure would have aborted.
            if driver.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                raise
        kept.prepared[sql] = name
    driver.pgconn.send_query_prepared(name, params or None, result_format=pq.Format.BINARY)
    return exchange.result(driver, pq.ExecStatus.TUPLES_OK)


def _all_rows(exchange, driver, sql, count):
    """Every row, typed, of each of the `count` statements of `sql`, sent as one command."""
    driver.pgconn.send_query(sql.encode())
    results = exchange.results(driver)
    kept = _Kept.of(exchange.connection)
    rows = []
    for result in results:
        _check(result, pq.ExecStatus.TUPLES_OK, driver)
        kept.transformer.set_pgresult(result)
        rows.append(kept.transformer.load_rows(0, result.ntuples, tuple))
    if len(results) < count:
        # The connection ended after the first answers (results() stops there): no SQLSTATE, so the database
        # is unavailable, as when it ends before the first.
        raise errors.OperationalError("the server closed the connection before answering every statement")
    return rows


def _check(result, expected, driver):
    if result.status != expected:
        raise errors.error_from_result(result, encoding=driver.info.encoding)


def _text_rows(exchange, driver, sql):
    driver.pgconn.send_query(sql.encode())
    result = exchange.result(driver, pq.ExecStatus.TUPLES_OK)
    value, columns = result.get_value, range(result.nfields)
    return [tuple([value(row, column) for column in columns]) for row in range(result.ntuples)]


class _Exchange:
    """One read on a Django `connection`'s libpq connection, called as an execute wrapper's `execute`,
    within `deadline` (a QueryDeadline, or None for none)."""

    def __init__(self, connection, deadline, read):
        self.connection = connection
        self.deadline = deadline
        self.read = read
        self.ends = None

    def __call__(self, sql, params, many, context):
        if self.deadline is not None and self.deadline.seconds:
            self.ends = time.monotonic() + self.deadline.remaining()
        driver = self.connection.connection
        if not driver.autocommit and driver.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            # In a transaction (an atomic block) that nothing has started yet: it is begun as psycopg would
            # begin it before its own first query (with the connection's isolation level), and this read
            # belongs to it too.
            driver.pgconn.send_query(driver._get_tx_start_command())
            self.result(driver, pq.ExecStatus.COMMAND_OK)
        return self.read(self, driver, sql)

    def result(self, driver, expected):
        """The result of the command sent, once the server has given all of it and is ready for the next
        command; the database's error, or the deadline's, otherwise."""
        result = self.results(driver)[0]
        _check(result, expected, driver)
        return result

    def results(self, driver):
        """Every result of the command sent (one per statement), once the server is ready for the next
        command; the deadline's error otherwise."""
        pgconn = driver.pgconn
        while pgconn.flush():
            self._wait(pgconn, select.POLLOUT)
        results = []
        while True:
            # get_result() would block until the next result (or the end) is in: it is waited for here,
            # within the deadline, and without holding the GIL. (is_busy() parses what is already in; the
            # socket is read only once it says more is to come.)
            try:
                while pgconn.is_busy():
                    self._wait(pgconn, select.POLLIN)
                    pgconn.consume_input()
            except errors.OperationalError:
                if not results:
                    raise
                break  # the server closed the connection after its answer (a fatal error): that stands
            received = pgconn.get_result()
            if received is None:
                break
            results.append(received)
        return results

    def _wait(self, pgconn, event):
        poller = select.poll()
        poller.register(pgconn.socket, event)
        timeout = None if self.ends is None else max(0.0, self.ends - time.monotonic()) * 1000
        if not poller.poll(timeout):
            raise self.deadline.expired(self.connection)


class _Kept:
    """What a Django connection keeps for its reads on one libpq connection (a reconnection starts afresh):
    its prepared statements ({sql: name}), a row loader, and the client-side cursor that merges parameters
    into statements as Django's backend does."""

    def __init__(self, driver):
        self.pgconn = driver.pgconn
        self.prepared = {}
        self.transformer = Transformer(driver)
        self.client_cursor = ClientCursor(driver)

    @classmethod
    def of(cls, connection):
        kept = getattr(connection, "_spacedevs_reads", None)
        if kept is None or kept.pgconn is not connection.connection.pgconn:
            kept = connection._spacedevs_reads = cls(connection.connection)
        return kept
