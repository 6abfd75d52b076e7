"""Checks on the raw values of the query parameters a view knows, before anything reads them."""

import re
from urllib.parse import unquote_plus, unquote_to_bytes

from rest_framework.exceptions import ValidationError

# gunicorn's longest request line (spacedevs/gunicorn_config.py: limit_request_line, gunicorn's own most).
LONGEST_REQUEST_LINE = 8190
# Below it, so that a value too long is answered by this check, in JSON, rather than by gunicorn's HTML 414.
MAX_VALUE_LENGTH = 8_000
BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _percent_encoding_is_broken(raw_value):
    if BROKEN_ESCAPE.search(raw_value):
        return True
    try:
        unquote_to_bytes(raw_value.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def check_query_parameters(request, names):
    """400 for any of `names` sent with broken percent-encoding, a NUL character, or an oversized value.

    Parameters a view does not know are left alone (LL2 ignores them).
    """
    errors = {}
    for pair in request.META.get("QUERY_STRING", "").split("&"):
        raw_name, _, raw_value = pair.partition("=")
        name = unquote_plus(raw_name, errors="replace")
        if name in names and _percent_encoding_is_broken(raw_value):
            errors[name] = ["Broken percent-encoding: not valid UTF-8 escapes."]
    for name, values in request.query_params.lists():
        if name not in names or name in errors:
            continue
        for value in values:
            if "\x00" in value:
                errors[name] = ["Null characters are not allowed."]
                break
            if len(value) > MAX_VALUE_LENGTH:
                errors[name] = [
                    f"Ensure this value has at most {MAX_VALUE_LENGTH} characters (it has {len(value)})."
                ]
                break
    if errors:
        raise ValidationError(errors)
