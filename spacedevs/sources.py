"""Which code a process runs, as digests of its source files: what stored documents and shared caches are
told apart by, from one deploy to the next."""

import functools
import hashlib
from pathlib import Path

import django
import rest_framework
from django.apps import apps
from django.conf import settings


def digest(paths, *more):
    """The SHA-256 of the files at `paths` that exist, in order, and of the strings `more`."""
    hashed = hashlib.sha256("\n".join(more).encode())
    for path in paths:
        if path.exists():
            hashed.update(path.read_bytes())
    return hashed.hexdigest()


def library_versions():
    """The libraries whose versions shape a response's bytes."""
    return f"Django {django.__version__}", f"djangorestframework {rest_framework.VERSION}"


def project_sources():
    """Every Python file of the project's own apps (the folders at the top of the repository) but their
    migrations, in a fixed order."""
    folders = {Path(config.path) for config in apps.get_app_configs()}
    folders = sorted(folder for folder in folders if folder.parent == settings.BASE_DIR)
    return [
        path for folder in folders for path in sorted(folder.rglob("*.py")) if "migrations" not in path.parts
    ]


@functools.cache
def response_code():
    """Of everything that makes a response's bytes: the project's code, its libraries, its compression
    settings. A response cached in Redis by one deploy is never served by another."""
    compression = f"gzip {settings.GZIP_LEVEL} brotli {settings.BROTLI_QUALITY}"
    return digest(project_sources(), *library_versions(), compression)
