"""`icontains` on SQLite matches letters of every script in any case, as PostgreSQL's does."""

import uuid

import pytest
from django.db import connection
from django.db.models import Value
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
    ("\u1fb3", "\u1fbc", True),  # ᾳ's upper case is ᾼ, one letter (its full one is two: alpha, iota)
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


def sqlite_connection():
    """A connection of its own, so that this holds whichever database the suite runs on."""
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
    return handler["default"]


@pytest.mark.parametrize(
    ("term", "sent"),
    [
        ("союз", "союз"),  # as it is: no LIKE pattern, no escapes
        ("100%_", "100%_"),
        (uuid.UUID(int=5), "00000000-0000-0000-0000-000000000005"),  # as text, as LIKE's pattern is made
        (Value("союз"), "союз"),  # an expression too
    ],
)
def test_icontains_calls_the_function_on_sqlite(term, sent):
    found = Event.objects.filter(name__icontains=term)
    sql, params = found.query.get_compiler(connection=sqlite_connection()).as_sql()
    assert (f"{FUNCTION}(" in sql, "LIKE" in sql, params) == (True, False, (sent,))


def test_a_new_sqlite_connection_has_the_function(django_db_blocker):
    sqlite = sqlite_connection()
    with django_db_blocker.unblock():
        with sqlite.cursor() as cursor:
            cursor.execute(f"SELECT {FUNCTION}(%s, %s), {FUNCTION}(%s, %s)", ["Союз", "союз", "abc", "x"])
            assert cursor.fetchone() == (1, 0)
        sqlite.close()
