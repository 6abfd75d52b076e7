"""`icontains` on SQLite matches letters of every script in any case, as PostgreSQL's does."""

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from events.models import Event
from spacedevs.sqlite_icontains import FUNCTION, contains_in_any_case

# (value, term, found): as PostgreSQL's UPPER(value) LIKE UPPER('%term%') finds them.
CASES = [
    ("Ракета СОЮЗ-2", "союз", True),
    ("το δέλτα", "ΔΈΛΤΑ", True),
    ("CAFÉ", "é", True),
    ("ǅemal", "Ǆ", True),
    ("k\u0131rk", "KIRK", True),  # the dotless i is an I in upper case
    ("İstanbul", "i", False),  # İ is not I
    ("Straße", "STRASSE", False),  # ß has no one-letter upper case: it stays ß
    ("Straße", "straße", True),
    ("at 100% thrust", "100%", True),  # no wildcards: the term is text
    ("abc", "a_c", False),
    ("a_c", "A_C", True),
    ("two\nlines", "O\nL", True),
]


@pytest.mark.parametrize(("value", "term", "found"), CASES)
def test_a_term_is_found_in_any_case(value, term, found):
    assert contains_in_any_case(value, term) is found


def test_null_on_either_side_is_null():
    assert (contains_in_any_case(None, "a"), contains_in_any_case("a", None)) == (None, None)


@pytest.mark.django_db
def test_postgresql_finds_the_same():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's UPPER")
    with connection.cursor() as cursor:
        for value, term, found in CASES:
            cursor.execute("SELECT position(UPPER(%s) IN UPPER(%s)) > 0", [term, value])
            assert cursor.fetchone() == (found,), (value, term)


def test_a_new_sqlite_connection_has_the_function_and_icontains_calls_it(django_db_blocker):
    # A connection of its own, so that this holds whichever database the suite runs on.
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
    sqlite = handler["default"]
    sql, _ = Event.objects.filter(name__icontains="союз").query.get_compiler(connection=sqlite).as_sql()
    assert f"{FUNCTION}(" in sql
    assert "LIKE" not in sql
    with django_db_blocker.unblock():
        with sqlite.cursor() as cursor:
            cursor.execute(
                f"SELECT {FUNCTION}(%s, %s), {FUNCTION}(%s, %s)", ["Ракета СОЮЗ", "союз", "abc", "x"]
            )
            assert cursor.fetchone() == (1, 0)
        sqlite.close()
