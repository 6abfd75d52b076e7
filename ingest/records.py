"""The one ingestion path: LL2 2.3.0 event JSON (files, stdin, upstream pages) → database rows.

Fixtures, tests, `import_ll2` and `sync_ll2` all call `ingest_records`: it
validates every record, upserts the nested objects lookups first, and runs in one transaction, so a bad
record anywhere leaves the database as it was.
"""

import contextlib
import gc
import json

from django.db import DataError, IntegrityError, transaction

from events.documents import refresh_documents
from spacedevs.changes import bulk_write
from spacedevs.models import DataState

from .batch import Batch
from .errors import IngestError
from .schema import EVENT
from .values import json_document
from .writer import Tally, write_batch

__all__ = ["IngestError", "Tally", "ingest_records", "parse_document"]

RECORDS_PER_BATCH = 1000


def parse_document(text, *, source):
    """The event records of an LL2 JSON document: one event, a list of events, or a paginated page."""
    try:
        document = json_document(text.decode("utf-8-sig") if isinstance(text, bytes) else text)
    except json.JSONDecodeError as error:
        raise IngestError(
            f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}", source=source
        ) from None
    except UnicodeDecodeError as error:
        raise IngestError(f"not UTF-8 text: {error.reason} at byte {error.start}", source=source) from None
    except RecursionError:
        raise IngestError("JSON nested too deeply to read", source=source) from None
    except ValueError as error:  # a number past what Python converts (4,300 digits)
        raise IngestError(f"malformed JSON: {error}", source=source) from None
    if isinstance(document, dict) and "results" in document:
        document = document["results"]
    elif isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise IngestError(
            "expected an event object, a list of events or a paginated page with 'results'", source=source
        )
    return document


def ingest_records(records, *, source, on_progress=None, places=None):
    """Validate and write `records` in one transaction; return the Tally of what changed.

    An error in a record names where it was read: `source` and its number among `records` (from 1), or
    `places[i]`, the (source, number) of record i, for records the caller read from several answers, or
    took from some. `on_progress(count)` is called with the number of records written after each batch.
    """
    tally = Tally()
    with _without_cycle_collection(), transaction.atomic(), bulk_write():
        for start in range(0, len(records), RECORDS_PER_BATCH):
            chunk = records[start : start + RECORDS_PER_BATCH]
            batch = Batch()
            read_at = {}  # event id -> the place of its record (the last one, which the batch keeps)
            for index, record in enumerate(chunk, start):
                place = places[index] if places is not None else (source, index + 1)
                try:
                    read_at[batch.add_event(record)] = place
                except IngestError as error:
                    record_id = record.get("id") if isinstance(record, dict) else None
                    raise error.located(source=place[0], record=place[1], record_id=record_id) from None
            try:
                write_batch(batch, tally)
            except IngestError as error:
                # An error of the writer's names the event it is about, if any (a slug taken).
                where, number = read_at.get(error.record_id, (source, None))
                raise error.located(source=where, record=number) from None
            except (IntegrityError, DataError) as error:
                raise IngestError(f"conflicts with the stored data: {error}", source=source) from None
            if on_progress is not None:
                on_progress(len(chunk))
        if tally.changed:
            # A row created is shown only by rows that now point to it, or list it, and this call wrote
            # those too: the events created and the rows updated lead to every event to render.
            refresh_documents(tally.changed_rows(created_of=[EVENT]))
            DataState.bump()
    return tally


@contextlib.contextmanager
def _without_cycle_collection():
    """Python's cycle collector paused: an import makes many objects, and the collector, run every few
    hundred of them, walks each young one again and again (a tenth of the importer's time), though an import
    leaves no cycle to collect (tests/test_ingest_memory.py). It runs again after, if it ran before. (The
    switch is the process's: importing commands are single-threaded.)"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
