"""Mirror sync: pages of events from an LL2-compatible upstream, through the one ingestion path.

Each page is written in one transaction together with the checkpoint, so an interrupted sync resumes from
the last page that fully arrived, with nothing lost and nothing applied twice.
"""

import contextlib
import fcntl
import hashlib
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.db import connection, transaction
from django.utils import timezone

from events.models import Event
from spacedevs.changes import bulk_write
from spacedevs.models import DataState

from .batch import Batch
from .errors import IngestError
from .models import SyncCheckpoint
from .records import ingest_records
from .upstream import UpstreamError
from .values import parse_datetime

PAGE_SIZE = 100


class SyncBusy(Exception):
    """Another sync of this database is running."""


class SyncStopped(Exception):
    """Asked to stop (SIGTERM) while waiting: the sync ends before its next call, with every page whole."""


class PruneRefused(Exception):
    """Pruning would not be safe: the walk of upstream ids was incomplete, or it would remove too much."""


@dataclass
class SyncSummary:
    """What a sync did to the events: created / updated / unchanged counts, and the pages it fetched."""

    events: Counter = field(default_factory=Counter)
    pages: int = 0
    pruned: int = 0

    def add(self, tally):
        for outcome, count in tally.counts().get("event", {}).items():
            self.events[outcome] += count

    def __str__(self):
        counts = ", ".join(f"{self.events[o]} {o}" for o in ("created", "updated", "unchanged"))
        return f"{self.pages} page{'s' if self.pages != 1 else ''}: {counts}, {self.pruned} pruned"


@contextlib.contextmanager
def exclusive_sync():
    """Hold the database's sync lock, or raise SyncBusy: PostgreSQL's advisory lock (it holds across hosts),
    or a lock file next to a SQLite database."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(b"spacedevs sync_ll2").digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cursor.fetchone()[0]:
                raise SyncBusy("another sync_ll2 is running on this database")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    name = str(connection.settings_dict["NAME"])
    if Path(name).is_file():
        path = Path(f"{name}.sync.lock")
    else:  # an in-memory database (tests): one lock per name, in the temporary folder
        path = (
            Path(tempfile.gettempdir()) / f"spacedevs-{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock"
        )
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncBusy("another sync_ll2 is running on this database") from None
        yield


def events_url(upstream, since, offset=0):
    """The page of detailed events updated at or after `since` (all of them without one), oldest first."""
    query = {"mode": "detailed", "limit": PAGE_SIZE, "ordering": "last_updated"}
    if since is not None:
        query["last_updated__gte"] = since.isoformat().replace("+00:00", "Z")
    if offset:
        query["offset"] = offset
    return upstream.url(f"events/?{urlencode(query)}")


def record_error(checkpoint, message):
    if checkpoint.pk is not None:
        checkpoint.last_error, checkpoint.last_error_at = message, timezone.now()
        checkpoint.save(update_fields=["last_error", "last_error_at"])


def sync_events(upstream, *, since="auto", on_page=None, should_stop=lambda: False):
    """Fetch every event updated since `since` ("auto": the checkpoint; None: all; or a datetime).

    Pages are asked for by `last_updated` (a keyset, not `next`'s offsets, which shift when the upstream
    changes during the run); events sharing the cursor's `last_updated` are skipped by count within one run
    and fetched again by the next run, where they import as unchanged. `on_page(page, summary)` follows each
    committed page. Returns the SyncSummary.
    """
    # A checkpoint is saved with the first page that arrives, not for a URL that never answered.
    checkpoint = SyncCheckpoint.objects.filter(upstream=upstream.base_url).first()
    checkpoint = checkpoint or SyncCheckpoint(upstream=upstream.base_url)
    cursor = checkpoint.last_updated if since == "auto" else since
    offset, previous_ids = 0, None
    summary = SyncSummary()
    while not should_stop():
        url = events_url(upstream, cursor, offset)
        try:
            page = upstream.get_page(url)
            newest = _newest(page["results"], url, cursor)
            ids = [record.get("id") for record in page["results"] if isinstance(record, dict)]
            if ids and ids == previous_ids:
                raise UpstreamError(f"{url}: the same events as the page before (is offset ignored?)")
            previous_ids = ids
            with transaction.atomic():
                tally = ingest_records(page["results"], source=url)
                if newest is not None:
                    last_updated, last_id, ties = newest
                    offset = offset + ties if last_updated == cursor else ties
                    cursor = last_updated
                    checkpoint.last_updated, checkpoint.last_id = last_updated, last_id
                checkpoint.last_success, checkpoint.last_error = timezone.now(), ""
                checkpoint.save()
                DataState.synced(upstream.base_url, checkpoint.last_success)
        except SyncStopped:
            raise
        except Exception as error:
            record_error(checkpoint, str(error))
            raise
        summary.pages += 1
        summary.add(tally)
        if on_page is not None:
            on_page(page, summary)
        if page["next"] is None or not page["results"]:
            break
    return summary


def _newest(records, url, cursor):
    """(last_updated, id, how many share that last_updated) of the newest record, or None for no records."""
    keys = _read_page(records, url, cursor)
    if not keys:
        return None
    last_id, newest = keys[-1]
    return newest, last_id, sum(stamp == newest for _, stamp in keys)


def _read_page(records, url, cursor):
    """The (id, last_updated) of each record, once every record of the page has passed validation (an
    invalid one is an IngestError naming the page, the record and the field, as for any import).

    Records out of order, or older than the cursor, mean the upstream ignores the query: without this
    check the sync would ask for the same page for ever.
    """
    keys = []
    batch = Batch()
    for number, record in enumerate(records, 1):
        try:
            event_id = batch.add_event(record)
            if "last_updated" not in record:  # optional in list mode, not here
                raise IngestError("is missing", field="last_updated")
            try:
                keys.append((event_id, parse_datetime(record["last_updated"])))
            except IngestError as error:
                raise IngestError(error.message, field="last_updated") from None
        except IngestError as error:
            record_id = record.get("id") if isinstance(record, dict) else None
            raise error.located(source=url, record=number, record_id=record_id) from None
    stamps = [stamp for _, stamp in keys]
    if stamps != sorted(stamps):
        raise UpstreamError(f"{url}: events not in last_updated order (is ordering ignored?)")
    if cursor is not None and stamps and stamps[0] < cursor:
        raise UpstreamError(f"{url}: events updated before last_updated__gte (is the filter ignored?)")
    return keys


def upstream_event_ids(upstream, on_page=None):
    """Every event id the upstream serves, from its cheapest pages; PruneRefused if the walk is incomplete."""
    url = upstream.url(f"events/?{urlencode({'mode': 'list', 'limit': PAGE_SIZE})}")
    ids, expected = set(), None
    while url:
        page = upstream.get_page(url)
        expected = page["count"] if expected is None else expected
        if page["count"] != expected:
            raise PruneRefused("the upstream's event count changed during the walk; not pruning")
        try:
            ids.update(record["id"] for record in page["results"])
        except (KeyError, TypeError):
            raise UpstreamError(f"{url}: an event without an id") from None
        if on_page is not None:
            on_page(page)
        url = page["next"]
    if len(ids) != expected:
        raise PruneRefused(f"the walk found {len(ids)} of {expected} upstream events; not pruning")
    return ids


def prune_events(upstream_ids, *, max_fraction, force=False):
    """Delete the local events the upstream no longer has; refuse more than `max_fraction` unless forced."""
    local = set(Event.objects.values_list("id", flat=True))
    gone = local - upstream_ids
    if gone and not force and len(gone) > max_fraction * len(local):
        raise PruneRefused(
            f"{len(gone)} of {len(local)} local events are not upstream, more than {max_fraction:.0%}; "
            "not pruning without --force"
        )
    with transaction.atomic(), bulk_write():
        Event.objects.filter(id__in=gone).delete()
        if gone:
            DataState.bump()
    return len(gone)
