"""Formatting of datetimes, durations, slugs, API URLs and texts in LL2 style."""

import random
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from spacedevs.api.fields import compact_iso_duration

from .constants import API_BASE, SLUG_MAX_LENGTH


def iso_datetime(timestamp: int) -> str:
    """Format a Unix timestamp as an ISO 8601 UTC datetime with a ``Z`` suffix and no fraction."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_duration(seconds: int) -> str:
    """Format a non-negative number of seconds as the API writes a duration (``"P0D"`` for zero)."""
    return compact_iso_duration(timedelta(seconds=seconds))


def timestamp_of(day: str) -> int:
    """Return the Unix timestamp of midnight UTC of an ISO date (``YYYY-MM-DD``)."""
    return int(datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC).timestamp())


def compact_stamp(timestamp: int) -> str:
    """Format a timestamp as ``YYYYMMDDHHMMSS``, as used in LL2 media file names."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y%m%d%H%M%S")


def slugify(text: str) -> str:
    """Return a lowercase ASCII slug (``[-a-z0-9]``) of ``text``, dropping accents and non-Latin letters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def event_slug(name: str, event_id: int) -> str:
    """Return a unique event slug: the slugified name (shortened if needed) followed by the event id."""
    suffix = str(event_id)
    base = slugify(name)[: SLUG_MAX_LENGTH - len(suffix) - 1].rstrip("-")
    return f"{base}-{suffix}" if base else suffix


def api_url(resource: str, object_id: int | str) -> str:
    """Return the canonical API URL of an object, e.g. ``.../2.3.0/agencies/37/``."""
    return f"{API_BASE}/{resource}/{object_id}/"


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters without leaving trailing whitespace."""
    return text if len(text) <= limit else text[:limit].rstrip()


def fill(template: str, rng: random.Random, low: int = 1, high: int = 40) -> str:
    """Replace a ``{n}`` placeholder in ``template`` with a random number in ``[low, high]``."""
    return template.replace("{n}", str(rng.randint(low, high))) if "{n}" in template else template
