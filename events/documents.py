"""Keeping every event's stored documents (EventDocument) what its serializers would render now.

An event's documents embed other objects (its agencies, launches and their providers, programs, images,
lookups…). The paths from Event to each embedded model are derived from the mode serializers' nested fields,
so a write to any row is traced to the events that show it, and those are rendered again, in the same
transaction. Ingestion reports its writes in bulk (`refresh_documents`); model saves and deletes (the
admin, the shell) are seen through Django's signals.
"""

import contextvars
from collections import defaultdict
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import signals

from spacedevs.api.stored import stored_renderings
from spacedevs.bulk import bulk_delete, bulk_insert
from spacedevs.changes import in_bulk_write
from spacedevs.models import DataState
from spacedevs.sources import digest, library_versions
from spacedevs.turns import take_writers_turn

from .models import Event, EventDocument
from .serializers import EVENT_MODES

RENDER_BATCH_SIZE = 500


def _paths(serializer_class, prefix=""):
    for source, nested_class, _many in serializer_class.nested_fields():
        yield nested_class.Meta.model, f"{prefix}{source}"
        yield from _paths(nested_class, f"{prefix}{source}__")


@cache
def embedded_paths():
    """{model: the lookup paths from Event to it} over every mode's serializer."""
    paths = defaultdict(set)
    for serializer_class in EVENT_MODES.values():
        for model, path in _paths(serializer_class):
            paths[model].add(path)
    return dict(paths)


@cache
def link_owners():
    """{through model: (model of the owner, the through's field naming it)} for the many-to-many relations on
    the embedded paths: a link row written is its owner's list changed."""
    owners = {}
    for model in {Event, *embedded_paths()}:
        for field in model._meta.many_to_many:
            owners[field.remote_field.through] = (model, field.m2m_field_name())
    return owners


@cache
def fingerprint():
    """Of the code and data the documents are rendered by: every serializer, the models their fields come
    from, the migrations (a data migration writes rows no signal reports: a document rendered before it
    may show what it changed), the URLs their links are reversed from, the shared API plumbing, the time
    zone dates are written in, and the libraries under them."""
    versions = library_versions("Django", "djangorestframework", "orjson")
    return digest(fingerprinted_files(), *versions, f"TIME_ZONE {settings.TIME_ZONE}")


def fingerprinted_files():
    """The files of the code the documents are rendered by (fingerprint): the models and migrations of the
    apps whose rows they show (not a migration of the API's keys, say), and the reads of their rows by id
    that the compiled render makes."""
    folders = [Path(config.path) for config in apps.get_app_configs()]
    files = [folder / name for folder in folders for name in ("serializers.py", "routes.py", "urls.py")]
    shown = sorted({Path(model._meta.app_config.path) for model in {Event, *embedded_paths()}})
    files += [folder / "models.py" for folder in shown]
    files += [path for folder in shown for path in sorted((folder / "migrations").glob("*.py"))]
    shared = Path(settings.BASE_DIR) / "spacedevs"
    return files + sorted((shared / "api").glob("*.py")) + [shared / "idquery.py", shared / "lookups.py"]


def events_showing(model, pks):
    """The ids of the events whose documents show a row of `model` among `pks`."""
    pks = list(pks)
    if model is Event:
        return set(pks)
    if model in link_owners():
        owner_model, owner_field = link_owners()[model]
        owners = model._default_manager.filter(pk__in=pks).values_list(owner_field, flat=True)
        return events_showing(owner_model, set(owners))
    found = set()
    for path in embedded_paths().get(model, ()):
        found.update(Event.objects.filter(**{f"{path}__in": pks}).values_list("pk", flat=True))
    return found


def render_documents(event_ids):
    """Render the documents of `event_ids` (every mode), replacing what was stored, in the caller's
    transaction, whose turn among the writers has come (spacedevs/changes.py)."""
    event_ids = sorted(event_ids)
    for start in range(0, len(event_ids), RENDER_BATCH_SIZE):
        chunk = event_ids[start : start + RENDER_BATCH_SIZE]
        _replace_stored(chunk, stored_renderings(EVENT_MODES, Event.objects.filter(pk__in=chunk)))


def _replace_stored(event_ids, renderings):
    """Store the documents of `renderings` ((event id, {mode: document}) as stored_renderings gives them) in
    place of the current ones of `event_ids`. They are rendered as they are stored: an error rendering one
    ends the COPY under way, and with it the transaction."""
    bulk_delete(EventDocument.objects.filter(pk__any_of=event_ids))
    bulk_insert(
        EventDocument,
        ({"event_id": pk, "fingerprint": fingerprint(), **documents} for pk, documents in renderings),
    )


def refresh_documents(changes):
    """Render again the events that show a row written: `changes` is {model: ids of rows created or
    changed}."""
    showing = set()
    for model, pks in changes.items():
        if pks:
            showing |= events_showing(model, pks)
    render_documents(showing)


def render_outdated_documents():
    """Render the events that have no documents, or documents of other code (after a deploy): a change to
    what is served, so with a new version."""
    current = EventDocument.objects.filter(fingerprint=fingerprint())
    outdated = list(Event.objects.exclude(pk__in=current.values("pk")).values_list("pk", flat=True))
    if outdated:
        _render_with_a_new_version(outdated)


# --- Model writes one by one ---------------------------------------------------------------------------


def _render_for_write(event_ids):
    if in_bulk_write() or not event_ids:
        return
    if connection.in_atomic_block:
        render_documents(event_ids)  # committed with the write and its version (spacedevs.changes)
        return
    # A save outside a transaction has committed its row, then the version, each on its own: the documents
    # go with one more version, so that no response computed with the documents before them (between the
    # two commits) is ever filed under the last version.
    _render_with_a_new_version(event_ids)


def _render_with_a_new_version(event_ids):
    """Render `event_ids`' documents and bump the data version after them, in one transaction."""
    with transaction.atomic():
        take_writers_turn()
        render_documents(event_ids)
        DataState.bump()


# Where a row being saved notes the events that showed it before the save (_saving).
_SHOWN_BEFORE = "_documents_shown_before"


def _saving(sender, instance, **kwargs):
    # A row that moves (a video URL given to another event, an agency link to another program) leaves
    # the events that showed it where it was: they are rendered too. (Read in the write's turn, taken by
    # spacedevs.changes's receivers, connected first: its app is installed before this one.)
    if not in_bulk_write() and instance.pk is not None:
        setattr(instance, _SHOWN_BEFORE, events_showing(sender, [instance.pk]))


def _saved(sender, instance, **kwargs):
    before = instance.__dict__.pop(_SHOWN_BEFORE, set())
    _render_for_write(before | events_showing(sender, [instance.pk]))


class _Deletion:
    """The rows of one delete. Django's Collector sends every pre_delete before the first post_delete, all
    inside the atomic block it opens: the events showing any of the rows are found before the links go
    (after, they are gone or nulled), and rendered once, after the last row, leaving out the events deleted.
    """

    def __init__(self, block):
        self.block, self.outstanding, self.showing, self.events = block, 0, set(), set()


_deletion = contextvars.ContextVar("deletion", default=None)


def _innermost_block(using):
    blocks = transaction.get_connection(using).atomic_blocks
    return blocks[-1] if blocks else None


def _deleting(sender, instance, using, **kwargs):
    if in_bulk_write():
        return
    deletion = _deletion.get()
    if deletion is None or deletion.block is not _innermost_block(using):
        # A new delete (one that failed half-way leaves its state behind, with its own block).
        deletion = _Deletion(_innermost_block(using))
        _deletion.set(deletion)
    deletion.outstanding += 1
    deletion.showing |= events_showing(sender, [instance.pk])
    if sender is Event:
        deletion.events.add(instance.pk)


def _deleted(sender, instance, using, **kwargs):
    deletion = _deletion.get()
    if deletion is None or deletion.block is not _innermost_block(using):
        return
    deletion.outstanding -= 1
    if deletion.outstanding == 0:
        _deletion.set(None)
        _render_for_write(deletion.showing - deletion.events)


def _many_to_many_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    # Links added in bulk (no save signal); those removed or cleared are deleted rows (_deleting/_deleted).
    # Only the owners' lists changed: the objects linked to are what they were.
    if action == "post_add":
        owners = (model, pk_set) if reverse else (type(instance), [instance.pk])
        _render_for_write(events_showing(*owners))


def track_writes():
    """Connect the receivers for every model an event's documents show."""
    for model in {Event, *embedded_paths(), *link_owners()}:
        label = model._meta.label
        signals.pre_save.connect(_saving, sender=model, dispatch_uid=f"documents saving {label}")
        signals.post_save.connect(_saved, sender=model, dispatch_uid=f"documents saved {label}")
        signals.pre_delete.connect(_deleting, sender=model, dispatch_uid=f"documents deleting {label}")
        signals.post_delete.connect(_deleted, sender=model, dispatch_uid=f"documents deleted {label}")
        # Every through model: adding through a positioned one (`add(…, through_defaults=…)`) creates its
        # rows in bulk, with no save signal.
        for field in model._meta.many_to_many:
            signals.m2m_changed.connect(
                _many_to_many_changed,
                sender=field.remote_field.through,
                dispatch_uid=f"documents m2m {field.remote_field.through._meta.label}",
            )


def rendered_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """After a migrate that leaves the database at the code's own migrations (not one migrating some app
    back: the models would name tables and columns it no longer has), on a database migrate writes to."""
    executor = MigrationExecutor(connections[using])
    fully_migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    if fully_migrated and router.allow_migrate_model(using, EventDocument):
        render_outdated_documents()
