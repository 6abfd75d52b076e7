"""`icontains` on SQLite as PostgreSQL gives it: letters of every script matched in any case.

Django sends `icontains` to SQLite as LIKE, which folds the case of ASCII letters alone (`союз` would not find
`Союз`), and to PostgreSQL as `UPPER(value) LIKE UPPER(term)`. On SQLite the lookup (lookups.py) calls
FUNCTION instead, registered on each new connection: the term within the value, both upper-cased one
character at a time, as PostgreSQL's UPPER does in a UTF-8 database with a libc collation such as C.UTF-8
or en_US.UTF-8 (a character whose upper case is longer, `ß`, stays as it is). Every other LIKE keeps
SQLite's own.
"""

FUNCTION = "spacedevs_icontains"


def upper_by_character(text):
    """`text` upper-cased one character at a time, as PostgreSQL's UPPER (Unicode's simple mapping):
    `str.upper()`, but for a character whose upper case is several (`ß` → `SS`, `ᾳ` → alpha and iota),
    which becomes its title case where that is one character (`ᾼ`), else stays as it is."""
    upper = text.upper()
    if len(upper) == len(text):  # no character became several: each became its own upper case
        return upper
    return "".join(map(one_upper_case, text))


def one_upper_case(character):
    """A character's upper case as one character (see upper_by_character)."""
    for candidate in (character.upper(), character.title()):
        if len(candidate) == 1:
            return candidate
    return character


def contains_in_any_case(value, term):
    """Whether `term` is within `value`, in any case (NULL if either is)."""
    if value is None or term is None:
        return None
    return upper_by_character(str(term)) in upper_by_character(str(value))


def register_on_sqlite(sender, connection, **kwargs):
    """Registers FUNCTION on each new SQLite connection (`connection_created`)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 2, contains_in_any_case, deterministic=True)
