"""Every write to the served data bumps the data version, inside the write's own transaction.

Writes made model by model (the admin, the shell) are seen through Django's model signals. A bulk writer
(ingestion) runs inside `bulk_write()`, which silences those per-row receivers (its own and other apps'),
and reports what it changed once, itself.
"""

import contextlib
import contextvars

from django.db.models import signals

from .models import DataState
from .sources import project_app_configs, response_code

_bulk_write = contextvars.ContextVar("bulk_write", default=False)


@contextlib.contextmanager
def bulk_write():
    """Writes inside are the caller's to report: per-row receivers stay silent."""
    token = _bulk_write.set(True)
    try:
        yield
    finally:
        _bulk_write.reset(token)


def in_bulk_write():
    return _bulk_write.get()


def data_models():
    """The models whose rows the API serves: those of the project's own apps (the folders at the top of the
    repository), but for apps that say they hold none (`holds_served_data = False`)."""
    for config in project_app_configs():
        if getattr(config, "holds_served_data", True):
            yield from config.get_models(include_auto_created=True)


def _row_written(sender, **kwargs):
    if not in_bulk_write():
        DataState.bump()


def _many_to_many_written(sender, action, **kwargs):
    if action.startswith("post_"):
        _row_written(sender)


def track_writes():
    for model in data_models():
        for name in ("post_save", "post_delete"):
            getattr(signals, name).connect(
                _row_written, sender=model, dispatch_uid=f"{name} {model._meta.label}"
            )
        # Sent only for a through model, its own or one of the app's: adding through one creates its rows in
        # bulk, with no save signal.
        signals.m2m_changed.connect(
            _many_to_many_written, sender=model, dispatch_uid=f"m2m_changed {model._meta.label}"
        )


def deployed_after_migrate(sender, using, **kwargs):
    """Every deploy migrates (bin/serve, the image's migrate service): the code it brings is noted then."""
    DataState.deployed(response_code(), using=using)
