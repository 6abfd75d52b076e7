"""LL2's API version in paths: `/2.3.0/…` is canonical; the same views also answer without it."""

API_VERSION = "2.3.0"
CANONICAL_PREFIX = f"/{API_VERSION}/"


def unversioned(path):
    """`/2.3.0/events/` → `/events/`; other paths unchanged."""
    return "/" + path.removeprefix(CANONICAL_PREFIX) if path.startswith(CANONICAL_PREFIX) else path
