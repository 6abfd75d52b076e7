"""Every write to the served data bumps the data version, inside the write's own transaction; writers take
turns.

Writes made model by model (the admin, the shell) are seen through Django's model signals. A bulk writer
(ingestion) runs inside `bulk_write()`, which silences those per-row receivers (its own and other apps'),
and reports what it changed once, itself; so must any writer whose writes send no signal
(`QuerySet.update()`, `bulk_create()`, SQL).

Each write renders the events it shows again (events/documents.py). Two at once would each render without
the other's uncommitted change, and the one stored last would stay stale; locking the events in turn
instead would deadlock writers that already hold other rows. So a write waits for the one before it to
commit, before its first row (`take_writers_turn`, spacedevs/turns.py: PostgreSQL's advisory lock, held
until its transaction ends), and then sees everything the writers before it committed. The turn is taken by
the first save, delete or bulk write (by the admin's POSTs before they read: spacedevs/admin.py): a script
that locks a served row earlier in its transaction (`select_for_update()`, `update_or_create()`, a
`QuerySet.update()` before a save) calls `take_writers_turn()` first, or it may deadlock with a writer
holding the turn (PostgreSQL then cancels one of the two).
"""

import contextlib
import contextvars

from django.apps import apps as global_apps
from django.db import router
from django.db.models import signals

from .models import DataState
from .sources import project_app_configs, response_code
from .turns import take_writers_turn

_bulk_write = contextvars.ContextVar("bulk_write", default=False)


@contextlib.contextmanager
def bulk_write():
    """Writes inside are the caller's to report: per-row receivers stay silent. Entered inside the writer's
    transaction, it takes the writers' turn."""
    take_writers_turn()
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


def _row_writing(sender, using, **kwargs):
    if not in_bulk_write():
        take_writers_turn(using)


def _row_written(sender, **kwargs):
    if not in_bulk_write():
        DataState.bump()


def _many_to_many_written(sender, action, using, **kwargs):
    if action.startswith("pre_"):
        _row_writing(sender, using)
    else:
        _row_written(sender)


def track_writes():
    for model in data_models():
        for name, receiver in (
            ("pre_save", _row_writing),
            ("pre_delete", _row_writing),
            ("post_save", _row_written),
            ("post_delete", _row_written),
        ):
            getattr(signals, name).connect(receiver, sender=model, dispatch_uid=f"{name} {model._meta.label}")
        # Sent only for a through model, its own or one of the app's: adding through one creates its rows in
        # bulk, with no save signal.
        signals.m2m_changed.connect(
            _many_to_many_written, sender=model, dispatch_uid=f"m2m_changed {model._meta.label}"
        )


def deployed_after_migrate(sender, using, apps=global_apps, plan=None, **kwargs):
    """Every deploy migrates (bin/serve, the image's migrate service): the code it brings is noted then
    (DataState.deployed), on a database that migrate writes to (not a replica) and whose data state, as the
    migrations left it, has the column (not one migrated back before it), with whether its migrations
    changed served tables (`plan`). A flush sends the signal too, with the models as they are and no plan."""
    try:
        state = apps.get_model("spacedevs", "DataState")
    except LookupError:
        return
    if router.allow_migrate_model(using, state) and "served_by" in {f.name for f in state._meta.fields}:
        DataState.deployed(response_code(), using=using, data_migrated=migrated_served_tables(plan or []))


def migrated_served_tables(plan):
    """Whether migrate's `plan` [(migration, backwards)] applied, or unapplied, a migration of an app whose
    rows are served, on a database that had a data state before it (the plan does not create it: on a new
    database, nothing was served from those tables yet)."""
    served = {model._meta.app_label for model in data_models()}
    state_app = DataState._meta.app_label
    creates_state = any(step.app_label == state_app and step.initial for step, back in plan if not back)
    return not creates_state and any(step.app_label in served for step, _ in plan)
