"""SQLite's LIKE folds the case of every letter, as PostgreSQL's case-insensitive matching does."""

import pytest
from django.db.utils import ConnectionHandler

from spacedevs.sqlite_like import like


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("%союз%", "Ракета СОЮЗ-2", True),
        ("%ΔΈΛΤΑ%", "το δέλτα", True),
        ("%é%", "CAFÉ", True),
        ("a_c", "ABC", True),
        ("a_c", "ac", False),
        ("a%", "a\nb", True),  # a run of any characters, line breaks too
        ("a.c", "abc", False),  # characters other than % and _ are themselves
        ("(x)*", "(X)*", True),
        ("%a", "ab", False),  # the whole value
    ],
)
def test_like_matches_as_postgresqls_case_insensitive_like(pattern, value, matches):
    assert like(pattern, value) is matches


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("%100\\%%", "at 100% thrust", True),
        ("%100\\%%", "at 1000 thrust", False),
        ("a\\_c", "a_c", True),
        ("a\\_c", "abc", False),
        ("a\\\\b", "a\\b", True),
        ("ab\\", "ab", True),  # an escape with nothing after it escapes nothing
    ],
)
def test_the_escape_character_makes_the_next_one_literal(pattern, value, matches):
    assert like(pattern, value, "\\") is matches


def test_null_on_either_side_is_null():
    assert (like(None, "a"), like("a", None, "\\")) == (None, None)


def test_every_new_sqlite_connection_has_it(django_db_blocker):
    # A connection of its own, so that this holds whichever database the suite runs on.
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
    connection = handler["default"]
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT %s LIKE %s ESCAPE '\\', %s LIKE %s, %s LIKE %s",
                ["Ракета СОЮЗ", "%союз%", "100%", "100\\%", "abc", "ABC"],
            )
            assert cursor.fetchone() == (1, 0, 1)
        connection.close()
