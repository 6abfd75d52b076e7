"""The end of a transactional test (pytest-django's `transactional_db`, `django_db(transaction=True)`), made
cheaper than Django's flush, with the same result.

Django ends such a test with `flush`: PostgreSQL's TRUNCATE gives each table and each of its indexes new
files, and the post_migrate signal that follows creates every content type and permission again (some 80
queries): 0.27 s a test, most of it waiting on PostgreSQL, for some 75 tests a run. Here every table is
emptied with DELETE in one transaction (the foreign keys are checked at its commit, by when every row is
gone), except the content types and permissions, which are kept as migrate made them and the signal would
make them again: no test changes them. A test that sets `available_apps` or `serialized_rollback` (none
does yet) gets Django's flush.
"""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.test import TransactionTestCase

KEPT = frozenset({ContentType._meta.db_table, Permission._meta.db_table})


def empty_tables(alias):
    """Delete every row of every table of the installed models in database `alias`, but KEPT's."""
    connection = connections[alias]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    deletes = [f"DELETE FROM {connection.ops.quote_name(table)}" for table in sorted(set(tables) - KEPT)]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip for all of them (psycopg sends statements without parameters as they are).
            cursor.execute("; ".join(deletes))
        else:
            for delete in deletes:  # SQLite's driver runs one statement at a time
                cursor.execute(delete)


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_end_with_deletes():
    flush = TransactionTestCase._fixture_teardown

    def fixture_teardown(test):
        if test.available_apps is not None or test.serialized_rollback:
            return flush(test)
        for alias in test._databases_names(include_mirrors=False):
            empty_tables(alias)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", fixture_teardown)
        yield
