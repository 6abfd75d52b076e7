"""SQLite's LIKE, which folds the case of ASCII letters alone, made to fold every letter's case, as
PostgreSQL's case-insensitive matching does: `?search=союз` finds `Союз` on the default database too.

Django's case-insensitive lookups are LIKE on SQLite (`icontains`: the API's search and the admin's); so are
its case-sensitive ones, which SQLite's own LIKE already matches without regard to ASCII case.
"""

import functools
import re

# The distinct patterns kept compiled: a page's search terms, the admin's.
COMPILED_PATTERNS = 256


def like(pattern, value, escape=None):
    """SQLite's `like(X, Y[, Z])`, which `Y LIKE X [ESCAPE Z]` calls: whether `value` matches `pattern`, `%`
    any run of characters and `_` any one, `escape` making the character after it literal; NULL if either
    is."""
    if pattern is None or value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    return compiled(str(pattern), escape).fullmatch(str(value)) is not None


@functools.lru_cache(maxsize=COMPILED_PATTERNS)
def compiled(pattern, escape):
    parts = []
    characters = iter(pattern)
    for character in characters:
        if character == escape:
            parts.append(re.escape(next(characters, "")))
        elif character == "%":
            parts.append(".*")
        elif character == "_":
            parts.append(".")
        else:
            parts.append(re.escape(character))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def fold_case_in_like(sender, connection, **kwargs):
    """Registers `like` on each new SQLite connection, in place of SQLite's own (both its forms)."""
    if connection.vendor == "sqlite":
        for arguments in (2, 3):
            connection.connection.create_function("like", arguments, like, deterministic=True)
