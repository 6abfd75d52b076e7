"""The benchmark's data: synthetic events imported step by step, and the filter values that suit them.

One stream of `generate_events` (a fixed seed, ids 1, 2, 3…) fills the database to each size in turn, through
`ingest_records`, the one ingestion path, 100 records per call as a sync page is. Only the calls to
`ingest_records` are timed (not generating the records), and the CPU they cost is split between this
process (reading the records, rendering documents, the driver) and PostgreSQL (bench/cpu.py). After each
step, the last events added are imported again, unchanged, as a sync that fetches events it already has does.
"""

import collections
import itertools
import re
import time
from dataclasses import asdict, dataclass

from django.db import connection
from django.db.models import Count

from bench.cpu import CpuMeter, postgresql_processes
from events.models import Event, EventAgency
from ingest.records import ingest_records
from ingest.synthetic import generate_events

# settle_statistics(): how often VACUUM runs, how far apart, and the share of pages to leave all-visible.
SETTLE_ATTEMPTS = 10
SETTLE_PAUSE_SECONDS = 0.5
SETTLED_SHARE = 0.99

RECORDS_PER_CALL = 100
REIMPORTED = 1000  # events imported again, unchanged, after each step
WORD = re.compile(r"[a-z]{4,}")


@dataclass
class ImportStep:
    """One step of the fill: `added` new events, bringing the database to `size`, in `seconds` of
    `ingest_records` calls, costing the importing process and PostgreSQL the CPU milliseconds given per 100
    events (PostgreSQL's None when its processes are not visible); then `reimported` of them again,
    unchanged; then vacuumed, leaving `all_visible` of the pages of the events' tables all-visible (the
    least share of a table)."""

    size: int
    added: int
    seconds: float
    events_per_second: float
    importer_cpu_ms_per_100: float
    database_cpu_ms_per_100: float | None
    reimported: int
    reimport_seconds: float
    reimport_events_per_second: float
    all_visible: float | None

    def as_dict(self):
        return asdict(self)


class SyntheticFill:
    """Imports one deterministic stream of synthetic events, a size at a time."""

    def __init__(self, largest_size, seed):
        self._stream = generate_events(largest_size, seed=seed, start_id=1)
        self._recent = collections.deque(maxlen=REIMPORTED)
        self.reimport_changes = []  # Tally counts of re-imports that changed something
        self.count = Event.objects.count()
        if self.count:
            raise RuntimeError(
                f"the database already holds {self.count} events: the benchmark needs it empty"
            )

    def grow_to(self, size, on_progress=None):
        """Import events until the database holds `size`; return the ImportStep."""
        added, seconds, importer_cpu, database_cpu = 0, 0.0, 0.0, 0.0
        database = CpuMeter(postgresql_processes)
        while self.count < size:
            records = list(itertools.islice(self._stream, min(RECORDS_PER_CALL, size - self.count)))
            if not records:
                raise RuntimeError(f"the synthetic stream ended at {self.count} events")
            database_before = database.reading()
            cpu_started, started = time.process_time(), time.perf_counter()
            ingest_records(records, source="bench")
            seconds += time.perf_counter() - started
            importer_cpu += time.process_time() - cpu_started
            spent = database.spent(database_before, database.reading())
            database_cpu = None if spent is None or database_cpu is None else database_cpu + spent
            self.count += len(records)
            added += len(records)
            self._recent.extend(records)
            if on_progress is not None:
                on_progress(self.count, size, added / seconds)
        reimported, reimport_seconds = self._reimport_recent()
        all_visible = settle_statistics()
        return ImportStep(
            size=size,
            added=added,
            seconds=round(seconds, 2),
            events_per_second=added / seconds,
            importer_cpu_ms_per_100=importer_cpu * 1000 * 100 / added,
            database_cpu_ms_per_100=None if database_cpu is None else database_cpu * 1000 * 100 / added,
            reimported=reimported,
            reimport_seconds=round(reimport_seconds, 2),
            reimport_events_per_second=reimported / reimport_seconds,
            all_visible=all_visible,
        )

    def _reimport_recent(self):
        """Import the last events added again (nothing changes); return (count, seconds)."""
        records = list(self._recent)
        seconds = 0.0
        for start in range(0, len(records), RECORDS_PER_CALL):
            started = time.perf_counter()
            tally = ingest_records(records[start : start + RECORDS_PER_CALL], source="bench")
            seconds += time.perf_counter() - started
            if tally.changed:  # not expected: noted in the results rather than ending a long run
                self.reimport_changes.append(tally.counts())
        return len(records), seconds


def settle_statistics():
    """VACUUM ANALYZE, as autovacuum would do soon after a large import, so that every size is measured
    with current planner statistics and visibility maps rather than whatever autovacuum got to; the share
    of the pages of the events' tables then marked all-visible (the least of them; None off PostgreSQL).

    bin/postgres's cluster commits asynchronously (`synchronous_commit=off`), and PostgreSQL marks a row's
    insert committed only once the commit's WAL is flushed, which its WAL writer does within a fraction of
    a second: a VACUUM at once after an import left every page of the events' tables unmarked (a quarter
    of a second later it marked them all; with synchronous commits, as in production, at once). An
    index-only scan reads the table for each row of an unmarked page: a filtered page's ids at 10,000
    events took 4.8 ms instead of 1.8. So it runs again, a moment later, until the pages are marked or
    SETTLE_ATTEMPTS have run; so does a VACUUM that an older snapshot, still open, keeps from marking
    them."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        for attempt in range(SETTLE_ATTEMPTS):
            if attempt:
                time.sleep(SETTLE_PAUSE_SECONDS)
            cursor.execute("VACUUM ANALYZE")
            # No page: none left unmarked.
            cursor.execute(
                "SELECT coalesce(min(relallvisible::float / relpages), 1) FROM pg_class WHERE relkind = 'r' "
                "AND relpages > 0 AND relname LIKE 'events\\_%' AND pg_table_is_visible(oid)"
            )
            (all_visible,) = cursor.fetchone()
            if all_visible >= SETTLED_SHARE:
                break
    return all_visible


@dataclass
class FilterValues:
    """Values for the heavy filters that match a good share of the stored events."""

    agency_ids: list
    date_from: str
    date_to: str
    search_word: str
    event_id: int

    def as_dict(self):
        return asdict(self)


def filter_values():
    """Read from the database: the three agencies with the most events, the middle half of the dates, the
    most frequent word in the names (one in 5-40% of them if there is one), and the middle event's id."""
    agency_ids = list(
        EventAgency.objects.values("agency_id")
        .annotate(events=Count("event_id"))
        .order_by("-events", "agency_id")
        .values_list("agency_id", flat=True)[:3]
    )
    dates = Event.objects.order_by("date").values_list("date", flat=True)
    count = dates.count()
    date_from, date_to = dates[count // 4], dates[(3 * count) // 4]
    names = Event.objects.values_list("name", flat=True)
    frequency = collections.Counter(
        word for name in names.iterator() for word in set(WORD.findall(name.lower()))
    )
    ranked = [word for word, _ in frequency.most_common()]
    suited = [word for word in ranked if 0.05 * count <= frequency[word] <= 0.4 * count]
    ids = Event.objects.order_by("id").values_list("id", flat=True)
    return FilterValues(
        agency_ids=agency_ids,
        date_from=date_from.strftime("%Y-%m-%d"),
        date_to=date_to.strftime("%Y-%m-%d"),
        search_word=(suited or ranked)[0],
        event_id=ids[count // 2],
    )
