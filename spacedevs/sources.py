"""Which code a process runs, as digests of its source files: what stored documents and shared caches are
told apart by, from one deploy to the next."""

import functools
import hashlib
import platform
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings


def digest(paths, *more):
    """The SHA-256 of the files at `paths` that exist, in order, and of the strings `more`."""
    hashed = hashlib.sha256("\n".join(more).encode())
    for path in paths:
        if path.exists():
            hashed.update(path.read_bytes())
    return hashed.hexdigest()


# The installed distributions whose versions shape a response's bytes: rendering, the schema (and its YAML)
# and its pages, the browsable API's help text (Markdown), calendar feeds, filters' errors, compression.
RESPONSE_LIBRARIES = (
    "Django",
    "djangorestframework",
    "django-filter",
    "drf-spectacular",
    "drf-spectacular-sidecar",
    "PyYAML",
    "Markdown",
    "icalendar",
    "orjson",
    "Brotli",
    "isal",
)


def library_versions(*names):
    """`name version` of each of the installed distributions `names`."""
    return [f"{name} {metadata.version(name)}" for name in names]


def project_app_configs():
    """The project's own apps: those whose folder is at the top of the repository."""
    return [config for config in apps.get_app_configs() if Path(config.path).parent == settings.BASE_DIR]


def project_files():
    """Every file of the project's own apps (code, templates, static files) but their migrations and
    bytecode, in a fixed order."""
    folders = sorted({Path(config.path) for config in project_app_configs()})
    return [
        path
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not {"migrations", "__pycache__"} & set(path.parts)
    ]


@functools.cache
def response_code():
    """Of everything that makes a response's bytes: the project's files, its libraries and Python's, its
    compression settings. A response cached in Redis by one deploy is never served by another."""
    compression = f"gzip {settings.GZIP_LEVEL} brotli {settings.BROTLI_QUALITY}"
    python = f"Python {platform.python_version()}"
    return digest(project_files(), *library_versions(*RESPONSE_LIBRARIES), python, compression)
