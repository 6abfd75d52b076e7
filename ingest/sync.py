"""Mirror sync: pages of events from an LL2-compatible upstream, through the one ingestion path.

Each page is written in one transaction together with the checkpoint, so an interrupted sync resumes from
the last page that fully arrived, with nothing lost and nothing applied twice.
"""

import contextlib
import datetime
import fcntl
import threading
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from urllib.parse import urlencode

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from events.models import Event
from launches.models import Launch
from spacedevs.changes import bulk_write
from spacedevs.models import DataState
from spacedevs.turns import advisory_lock_key, take_writers_turn

from .batch import Batch
from .errors import IngestError
from .models import SyncCheckpoint
from .records import ingest_records
from .schema import EVENT_KEYS_BY_MODE
from .upstream import SyncStopped, UpstreamError
from .values import parse_datetime, parse_uuid

PAGE_SIZE = 100
# How many rounds of pages of the events of a group sharing a date as well, read by offset, may be fruitless
# (see SharedDate) before the run stops: they come in another order from page to page.
MAX_FRUITLESS_ROUNDS = 5
_MEMORY_LOCKS = {}  # {in-memory database's name: its sync lock}
# How long before its checkpoint a run starts (see sync_events): an upstream stamps an event's last_updated
# before its write commits, and its hosts' clocks differ, so an event can come in stamped a little before
# events it already served.
CHECKPOINT_OVERLAP = datetime.timedelta(minutes=5)
EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)
LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)  # the end of the year 9999: nothing after it
MICROSECOND = datetime.timedelta(microseconds=1)  # the finest step of a last_updated, here and in LL2
# How far back refresh_events reads again: a launch's status changes once it has flown.
REFRESH_FROM = datetime.timedelta(days=1)


class SyncBusy(Exception):
    """Another sync of this database is running."""


@dataclass
class SyncSummary:
    """What a sync did to the events: created / updated / unchanged counts, and the pages it fetched."""

    events: Counter = field(default_factory=Counter)
    pages: int = 0
    pruned: int = 0
    # The moment the next page reads from (sync_events; in a group of events sharing a last_updated, the
    # group's): a run cut short after the pages counted, run again with it as `since`, reads on from there
    # (the events of that moment, or the whole group, again: imported as unchanged; a run from the
    # checkpoint takes a group up at its page).
    resume_from: datetime.datetime | None = None

    def add(self, tally, freed):
        """Count a page imported: its `tally`, and the events `freed` deleted (slugs_freed)."""
        self.pages += 1
        self.pruned += len(freed.deleted)
        for outcome, count in tally.counts().get("event", {}).items():
            self.events[outcome] += count

    def __str__(self):
        counts = ", ".join(f"{self.events[o]} {o}" for o in ("created", "updated", "unchanged"))
        return f"{self.pages} page{'s' if self.pages != 1 else ''}: {counts}, {self.pruned} pruned"


@contextlib.contextmanager
def exclusive_sync():
    """Hold the database's sync lock, or raise SyncBusy: PostgreSQL's advisory lock (it holds across hosts),
    or a lock file next to a SQLite database (a lock in the process for an in-memory one)."""
    if connection.vendor == "postgresql":
        key = advisory_lock_key("spacedevs sync_ll2")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cursor.fetchone()[0]:
                raise SyncBusy("another sync_ll2 is running on this database")
        try:
            yield
        except BaseException:
            # A session gone took its lock with it: the unlock's error would hide the one that ended it.
            with contextlib.suppress(DatabaseError):
                _advisory_unlock(key)
            raise
        _advisory_unlock(key)
        return
    name = str(connection.settings_dict["NAME"])
    if not Path(name).is_file():  # an in-memory database (tests): its process's alone, and so its lock
        lock = _MEMORY_LOCKS.setdefault(name, threading.Lock())
        if not lock.acquire(blocking=False):
            raise SyncBusy("another sync_ll2 is running on this database")
        try:
            yield
        finally:
            lock.release()
        return
    with Path(f"{name}.sync.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncBusy("another sync_ll2 is running on this database") from None
        yield


def _advisory_unlock(key):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def events_url(upstream, since, offset=0, group=None):
    """The page of detailed events updated at or after `since` (all of them without one), oldest first; in
    a `group`, its events from `since` on, by date."""
    query = {"mode": "detailed", "limit": PAGE_SIZE, "ordering": "last_updated" if group is None else "date"}
    if since is not None:
        query["last_updated__gte"] = _text(since)
    if group is not None:
        query |= group.query()
    if offset:
        query["offset"] = offset
    return upstream.url(f"events/?{urlencode(query)}")


@dataclass(frozen=True)
class Group:
    """Where a run stands in a group of events sharing a `last_updated` (see sync_events)."""

    until: datetime.datetime  # the group's last moment (last_updated__lte)
    dated: datetime.datetime | None = None  # date__gte: the newest date of the page before
    tied: datetime.datetime | None = None  # date__lte, while more events share a date than a page holds

    def query(self):
        bounds = {"last_updated__lte": self.until, "date__gte": self.dated, "date__lte": self.tied}
        return {name: _text(moment) for name, moment in bounds.items() if moment is not None}


@dataclass
class SharedDate:
    """Where a run stands in the events of a group that share a date as well, read by offset (see
    sync_events).

    A page is taken when it starts at offset 0 or with an event of the pages taken since (under P2, none lies
    between them then, but one that joined); the page after it starts at its last event. A page that starts
    elsewhere (events before it left, and the offsets shifted down) is followed by a page taken before it,
    again, which now reaches further: the page before, or one as far back as the count fell since the page
    taken last, for that many may have left (after pages not taken in a row, a fall is counted again: a page
    or so more read, none skipped). A last page taken when fewer of the ids read are still there than there
    are events is followed by the first. Each of those steps back ends a round of pages, which made progress
    if it read an event unread, took a page further than any before, or counted fewer events than any page
    before: each can happen only so many times (as many as there were events, and joined). A round without
    progress could come again for ever (events in another order from page to page), and after
    MAX_FRUITLESS_ROUNDS of them the run stops.
    """

    last_updated: datetime.datetime  # the group's
    date: datetime.datetime  # the date its events share
    offset: int = 0
    back: list[int] = field(default_factory=list)  # the offsets of the pages taken, to step back to
    covered: set[int] = field(default_factory=set)  # the ids of the pages taken since offset 0
    reached: set[int] = field(default_factory=set)  # the ids of every page taken
    read: set[int] = field(default_factory=set)  # the ids of every page read
    fewest: int | None = None  # the fewest events a page counted
    held: int = 0  # how many events the page read last held,
    counted: int = 0  # and how many it counted in all;
    counted_taken: int = 0  # how many the page taken last counted
    progress: bool = False  # whether this round made progress
    fruitless: int = 0  # the rounds that made none

    def take(self, ids, count):
        """Whether the page of `ids` at `offset`, counting `count` events, follows on from the pages taken."""
        taken = self.offset == 0 or (bool(ids) and ids[0] in self.covered)
        self.progress |= (
            not self.read.issuperset(ids)
            or (taken and not self.reached.issuperset(ids))
            or (self.fewest is not None and count < self.fewest)
        )
        self.fewest = count if self.fewest is None else min(self.fewest, count)
        self.read.update(ids)
        if taken:
            self.covered.update(ids)
            self.reached.update(ids)
            self.counted_taken = count
        self.held, self.counted = len(ids), count
        return taken

    def step(self, url, taken, more):
        """Set the next page after the page at `url`: the one after a taken page with `more` to come;
        otherwise, a round ending, a page taken before, or the first. An UpstreamError after too many
        fruitless rounds, or for a page of one event, which cannot overlap the next."""
        if taken and more:
            if self.held < 2:
                raise UpstreamError(f"{url}: pages of one event cannot be read by overlapping offsets")
            self.back.append(self.offset)
            self.offset += self.held - 1
            return
        self.fruitless += not self.progress
        if self.fruitless > MAX_FRUITLESS_ROUNDS:
            raise UpstreamError(
                f"{url}: the events sharing last_updated {_text(self.last_updated)} and date "
                f"{_text(self.date)} were read in {self.fruitless} rounds of pages that brought nothing "
                "new (do they come in another order from page to page?); stopping rather than risk skipping "
                "one (run the sync again)"
            )
        self.progress = False
        if taken:
            self.offset, self.back, self.covered = 0, [], set()
            return
        lowest = self.offset - max(self.counted_taken - self.counted, 0)
        while len(self.back) > 1 and self.back[-1] > lowest:
            self.back.pop()
        self.offset = self.back.pop()


def record_error(checkpoint, message, answered):
    """Note the error on the upstream's checkpoint (`sync_ll2 --status` shows it), and nothing else: what
    the failed page moved in `checkpoint` (its progress, even the id of a row whose insert was rolled back)
    was rolled back with it. A checkpoint is made for the error when the upstream `answered` with an LL2
    page (a page whose record fails validation, say) though none was imported yet; not for a URL where no
    LL2 answered."""
    error = {"last_error": message, "last_error_at": timezone.now()}
    if not SyncCheckpoint.objects.filter(upstream=checkpoint.upstream).update(**error) and answered:
        SyncCheckpoint.objects.create(upstream=checkpoint.upstream, **error)


@dataclass(frozen=True)
class Freed:
    """What importing a page's records takes besides them (slugs_freed)."""

    # The records (Answered), as the upstream has them now, of local events holding a slug they take.
    renamed: list
    deleted: set  # the ids of such events the upstream no longer serves


@dataclass(frozen=True)
class Answered:
    """A record as the upstream gave it, and where: its answer's URL and its number there (from 1), which an
    error in it names."""

    record: dict
    url: str
    number: int


def answered(url, records):
    """`records`, the answer at `url`, as Answered records."""
    return [Answered(record, url, number) for number, record in enumerate(records, 1)]


def slugs_freed(upstream, url, records):
    """The local events holding a slug one of `records` (Answered, of the page at `url`) takes, as
    slug_holders_upstream finds them: asked before the page's transaction. A slug taken from a local event
    (deleted, or renamed, upstream) would otherwise stop every run. An UpstreamError when the answers give a
    slug to two events."""
    page = [item.record for item in records]
    renamed, deleted = slug_holders_upstream(upstream, page)
    raced = slugs_given_twice(page, [item.record for item in renamed])
    if raced:
        raise UpstreamError(
            f"{url}: the upstream gave slug {raced[0]!r} to two events in answers minutes apart "
            "(it changed between them); the next run reads them again"
        )
    return Freed(renamed, deleted)


def import_page(url, records, freed):
    """Import `records` (Answered, of the page at `url`) with what `freed` found; return the tally. In the
    caller's transaction, in the writers' turn, which it takes: an UpstreamError, a fault of the moment, if a
    local event took one of the slugs after slugs_freed looked (an import_ll2 beside the sync), for the next
    run to ask about (refused by the writer, it would stop even --watch)."""
    take_writers_turn()
    items = [*records, *freed.renamed]
    taking = [item.record for item in items]
    asked = {record["id"] for record in taking} | freed.deleted
    taken = local_slug_holders(taking, asked).values_list("id", "slug").first()
    if taken is not None:
        raise UpstreamError(
            f"{url}: event {taken[0]} here took slug {taken[1]!r} while the upstream was asked about the "
            "page's slugs; the next run asks about it"
        )
    if freed.deleted:
        delete_events(freed.deleted)
    return ingest_records(taking, source=url, places=[(item.url, item.number) for item in items])


def sync_events(upstream, *, since="auto", on_page=None, should_stop=lambda: False):
    """Fetch every event updated since `since` ("auto": CHECKPOINT_OVERLAP before the checkpoint, or the
    earliest time if that is earlier, or all without one; None: all; or a datetime).

    Pages are asked for by `last_updated`, oldest first (a keyset: `next`'s offsets shift when the upstream
    changes during the run), each from the newest `last_updated` T of the page before and at offset 0: the
    events of that page sharing T come again (this run does not import them twice). Why no event is skipped,
    whatever order the upstream gives events sharing a `last_updated`: the one premise is the keyset's own
    (P1; and P2, below, in one rare case): an event written upstream at a moment M gets a stamp of M -
    CHECKPOINT_OVERLAP or later (a stamp is taken before its write commits, and hosts' clocks differ). A page
    at offset 0 is the start of the events at or after its cursor C, so it holds every event then at [C, T);
    one written later, after the upstream read the run's first page at S or after (its `Date`, on the clock
    that stamps, less the time the call took, for a `Date` is set once the page is ready; this host's clock
    before the call when it gives none; cut to the second), is at S - CHECKPOINT_OVERLAP or after (P1).
    So once a page is in, every event older than both T and S - CHECKPOINT_OVERLAP has been imported as it now
    is: the checkpoint, saved with the page, moves to the earlier of T and S (never back), and a later run,
    which starts CHECKPOINT_OVERLAP before it, misses nothing either; the events it reads again import as
    unchanged. (Near the upstream's newest events, a run's later pages, read minutes apart within its call
    budget, come after S: an event written meanwhile with a stamp before the cursor is the next run's.) It
    costs a call per page of events (99 new events a page of 100, when their `last_updated` differ).

    A page all at one T, with more to come, would come again from T at offset 0 (more events share T than a
    page holds). That group is read on its own, by a keyset on `date`: the events updated from T to the end of
    T's second (`last_moment`: LL2 shows whole seconds of stamps that may hold a fraction), by date, each page
    at offset 0 from the newest date D of the page before (`date__gte`; the events of that page at D come
    again; a date shown cut to the second stands for all of it). A page holds every event of the group then
    dated from D to before the page's last date, so no page rests on the order the upstream gives events
    sharing a `last_updated` (SQL gives ties none: PostgreSQL can return them in another order for each LIMIT
    and OFFSET, so that offsets would skip one for good), nor on the group staying as it was: an event leaving
    it (updated, or deleted, upstream) comes again at its new `last_updated` (in this run, or, stamped before
    the cursor, in the next); one joining it is written after S, and is the next run's (P1: S is cut to the
    second, as the group's span is). Once a page ends the group, the run goes on from the moment after it, at
    offset 0.

    Only a page all at one date as well, with more to come, is read by offset (SharedDate): those events (the
    group's, within D's second) are asked for by `date__lte` too, each page at one event before the end of
    the page before. A page that does not start with an event of the pages taken since offset 0 (events
    before it left them: the offsets shifted down) is followed by a page taken before it, again. At their
    last page, as many of the ids read must still be there as there are events (asked for by `id`, a call
    per 100 ids read): then every event there now was read, whatever order they came in. Otherwise they are
    read again from offset 0. Reading them to the end needs (P2): the upstream gives events sharing a
    `last_updated` and a `date` in one order from one request to the next (this server breaks ties by id;
    whether LL2 does is unknown). Without it, rounds of pages bring nothing new, and after
    MAX_FRUITLESS_ROUNDS of them for one date the sync stops with an error, skipping none; but for one case,
    where the next run reads the event: an event read that leaves and comes back during the reading stands,
    at the end, for one another order hid. Stamped again within T's second, it was written after S and at
    most CHECKPOINT_OVERLAP after that second (P1), so S, and the checkpoint, are too, and the next run
    starts within T's second or before.

    A run from the checkpoint ("auto") takes up a group where such a run cut short left it (the checkpoint
    holds T, the date of the group's next page, and that run's S): an event that joined the group among the
    dates read before was written after that S, and the run keeps that S for the checkpoint, so that the next
    run starts before the event's stamp (P1). Events sharing a date are read from offset 0 again. A run
    given a `since` leaves that alone, as the README says (its own error says how to take it up).

    `on_page(page, summary)` follows each committed page. Returns the SyncSummary; SyncStopped when
    `should_stop()` before a page, or a stop is asked for during a call (the pages before it are in).
    """
    # A checkpoint is saved with the first page imported, or with an error once an LL2 page arrived
    # (record_error): not for a URL where no LL2 answered.
    checkpoint = SyncCheckpoint.objects.filter(upstream=upstream.base_url).first()
    checkpoint = checkpoint or SyncCheckpoint(upstream=upstream.base_url)
    stored = checkpoint.last_updated
    cursor = since
    if since == "auto":
        cursor = None if stored is None else overlapped(stored)
    elif since is not None:  # from its whole second, which an upstream showing whole seconds shows
        cursor = since.replace(microsecond=0)
    # The checkpoint says that every event older than CHECKPOINT_OVERLAP before it is in: a run from a later
    # moment (a `since` past that, or any `since` before there is a checkpoint) leaves the events before it
    # for a run from the checkpoint, and so leaves it alone.
    moves_checkpoint = cursor is None or (stored is not None and cursor <= overlapped(stored))
    began = None  # S
    group = None  # a Group while events sharing a last_updated are read
    # A run from the checkpoint cut short in a group is taken up there by the next (unless a run given a
    # `since` has moved the checkpoint past it since).
    from_checkpoint = since == "auto"
    resumed = checkpoint.group_from
    if from_checkpoint and resumed is not None and (cursor is None or resumed >= cursor):
        cursor, began = resumed, checkpoint.group_began
        group = Group(last_moment(cursor), dated=checkpoint.group_dated)
    shared = None  # a SharedDate while events sharing a date in a group are read by offset
    imported = {}  # id -> last_updated of the events this run imported: a page that repeats them skips them
    over = False  # a group at the end of time read: nothing can follow it
    summary = SyncSummary()
    while True:
        if should_stop():
            raise SyncStopped()
        in_group, by_offset = group is not None, group is not None and group.tied is not None
        url = events_url(upstream, cursor, shared.offset if by_offset else 0, group)
        try:
            asked = timezone.now() if began is None else None
            page = upstream.get_page(url)
            if began is None:
                # S, to the second, so that the checkpoint and the next run's cursor fall on the stamps an
                # upstream showing whole seconds shows.
                began = (upstream.read_from or asked).replace(microsecond=0)
            keys, dates = _read_page(page["results"], url, cursor, group)
            reading_on = False  # more pages of events sharing a date to read
            if by_offset:
                if keys and shared.offset > page["count"]:
                    raise UpstreamError(f"{url}: events at an offset past their count (is offset ignored?)")
                taken = shared.take([event_id for event_id, _ in keys], page["count"])
                more = page["next"] is not None
                reading_on = not taken or more
                if not reading_on:
                    # A last page ends them when as many of those read are still there as there are events
                    # (the ids read alone would not tell, when some of them have left meanwhile).
                    reading_on = still_there(upstream, cursor, group, shared.read) < page["count"]
            fresh = [
                item
                for item, key in zip(answered(url, page["results"]), keys, strict=True)
                if imported.get(key[0]) != key[1]
            ]
            freed = slugs_freed(upstream, url, fresh)
            with transaction.atomic():
                tally = import_page(url, fresh, freed)
                if reading_on:
                    shared.step(url, taken, more)
                elif by_offset and group.tied < LATEST:  # those events are in: on from the moment after
                    group, shared = Group(group.until, dated=group.tied + MICROSECOND), None
                elif not keys and page["next"] is not None:
                    raise UpstreamError(f"{url}: no events, and a next page (is the filter ignored?)")
                elif in_group and page["next"] is None:  # the group is in: on from after it
                    over = group.until == LATEST
                    cursor, group = cursor if over else group.until + MICROSECOND, None
                elif in_group:
                    tied = dates[0] == dates[-1]  # a page all at one date, with more to come
                    group = Group(group.until, dates[-1], last_moment(dates[-1]) if tied else None)
                    shared = SharedDate(cursor, dates[-1]) if tied else None
                elif keys:
                    last_id, newest = keys[-1]
                    if keys[0][1] == newest and page["next"] is not None:
                        group = Group(last_moment(newest))
                    cursor = newest
                    mark = min(newest, began)
                    if moves_checkpoint and (
                        checkpoint.last_updated is None or mark >= checkpoint.last_updated
                    ):
                        checkpoint.last_updated, checkpoint.last_id = mark, last_id
                if from_checkpoint:
                    held = (cursor, group.dated, began) if group is not None else (None, None, None)
                    checkpoint.group_from, checkpoint.group_dated, checkpoint.group_began = held
                checkpoint.last_success, checkpoint.last_error = timezone.now(), ""
                checkpoint.save()
                DataState.synced(upstream.base_url, checkpoint.last_success)
        except SyncStopped:
            raise
        except Exception as error:
            record_error(checkpoint, str(error), upstream.answered)
            raise
        imported.update(keys)
        summary.add(tally, freed)
        summary.resume_from = cursor
        if on_page is not None:
            on_page(page, summary)
        if over or (not in_group and (page["next"] is None or not page["results"])):
            break
    return summary


def refresh_events(upstream, summary):
    """Read again the first page of the events dated from REFRESH_FROM ago on, in date order (the last day's
    and the next to come, where a launch's status and date change), and import those of them not older
    than the copies held; add the page to `summary`.

    sync_events reads the events whose `last_updated` moved. An upstream may leave it as it was when an
    object an event embeds changes (a launch, an astronaut; this server does): those events, and every
    other embedding the same object, are current again once one of them is read. An event the page holds
    in a copy older than another, or with a launch older than another copy (not_older), is left as it is: a
    sync never goes back. The checkpoint is not moved; an error is recorded on it, as sync_events records
    one.
    """
    dated = (timezone.now() - REFRESH_FROM).replace(microsecond=0)
    query = {"mode": "detailed", "limit": PAGE_SIZE, "ordering": "date", "date__gte": _text(dated)}
    url = upstream.url(f"events/?{urlencode(query)}")
    try:
        page = upstream.get_page(url)
        # Checked as a group's page is: in date order, from `dated` on (of any last_updated).
        keys, _ = _read_page(page["results"], url, None, Group(LATEST, dated=dated))
        fresh = not_older(list(zip(answered(url, page["results"]), keys, strict=True)))
        freed = slugs_freed(upstream, url, [item for item, _ in fresh])
        with transaction.atomic():
            # The copies held are read again in the writers' turn: a writer may have committed newer ones
            # since (an import_ll2 run beside the watch, while the upstream was asked about slugs).
            take_writers_turn()
            tally = import_page(url, [item for item, _ in not_older(fresh)], freed)
    except SyncStopped:
        raise
    except Exception as error:
        record_error(SyncCheckpoint(upstream=upstream.base_url), str(error), upstream.answered)
        raise
    summary.add(tally, freed)


def not_older(records):
    """Those of `records` (Answered, validated, each paired with its (id, last_updated)) holding neither the
    event nor a launch (what an event embeds that carries a last_updated) in a copy older than another: the
    one held here, or one the page holds (a cache in front of the upstream answers with copies as they
    were)."""
    copies = [
        [(Event, event_id, stamp), *((Launch, *launch) for launch in _launches(item.record))]
        for item, (event_id, stamp) in records
    ]
    newest = {}
    for model in (Event, Launch):
        pks = {pk for held in copies for kind, pk, _ in held if kind is model}
        newest |= {
            (model, pk): stamp
            for pk, stamp in model.objects.filter(pk__in=pks).values_list("pk", "last_updated")
        }
    for kind, pk, stamp in chain.from_iterable(copies):
        newest[kind, pk] = max(newest.get((kind, pk), stamp), stamp)
    return [
        record
        for record, held in zip(records, copies, strict=True)
        if all(stamp >= newest[kind, pk] for kind, pk, stamp in held)
    ]


def _launches(record):
    """The (id, last_updated) of the launches a validated record carries in its mode (detailed)."""
    if "launches" not in EVENT_KEYS_BY_MODE[record["response_mode"]]:
        return []
    return [
        (parse_uuid(launch["id"]), parse_datetime(launch["last_updated"])) for launch in record["launches"]
    ]


def overlapped(checkpoint):
    """CHECKPOINT_OVERLAP before `checkpoint`, or the earliest time there is (a checkpoint in year 1)."""
    return max(checkpoint, EARLIEST + CHECKPOINT_OVERLAP) - CHECKPOINT_OVERLAP


def still_there(upstream, since, group, ids):
    """How many of the event ids `ids` the upstream has in `group` (from `since`) now, asked for by LL2's `id`
    filter, a call per page of ids. (An upstream that ignores the filter counts the whole group.)"""
    count = 0
    for page_of_ids in pages_of_ids(ids):
        query = {"mode": "list", "limit": 1, "last_updated__gte": _text(since)} | group.query()
        query["id"] = ",".join(map(str, page_of_ids))
        count += upstream.get_page(upstream.url(f"events/?{urlencode(query, safe=',')}"))["count"]
    return count


def pages_of_ids(ids):
    """`ids` in order, a page of them (PAGE_SIZE) at a time: what one call by LL2's `id` filter asks for."""
    ids = sorted(ids)
    return [ids[start : start + PAGE_SIZE] for start in range(0, len(ids), PAGE_SIZE)]


def last_moment(stamp):
    """The last moment of `stamp`'s second: LL2 shows whole seconds of moments that may hold a fraction
    (and an upstream may show a part of the fraction), so a moment read stands for the rest of its second."""
    return stamp.replace(microsecond=999_999)


def _text(moment):
    return moment.isoformat().replace("+00:00", "Z")


def _read_page(records, url, cursor, group=None):
    """The (id, last_updated) and the date of each record, once every record of the page has passed
    validation (an invalid one is an IngestError naming the page, the record and the field, as for any
    import).

    Records out of the order asked for, or outside the bounds asked for, mean the upstream ignores the
    query: without this check the sync would ask for the same page for ever.
    """
    keys, dates = [], []
    batch = Batch()
    for number, record in enumerate(records, 1):
        try:
            event_id = batch.add_event(record)
            keys.append((event_id, _moment(record, "last_updated")))
            dates.append(_moment(record, "date"))
        except IngestError as error:
            record_id = record.get("id") if isinstance(record, dict) else None
            raise error.located(source=url, record=number, record_id=record_id) from None
    stamps = [stamp for _, stamp in keys]
    order, field = (stamps, "last_updated") if group is None else (dates, "date")
    if order != sorted(order):
        raise UpstreamError(f"{url}: events not in {field} order (is ordering ignored?)")
    bounds = [("last_updated", stamps, cursor, None)]
    if group is not None:
        bounds = [("last_updated", stamps, cursor, group.until), ("date", dates, group.dated, group.tied)]
    for field, values, low, high in bounds:
        if values and low is not None and min(values) < low:
            raise UpstreamError(f"{url}: events with a {field} before {field}__gte (is the filter ignored?)")
        if values and high is not None and max(values) > high:
            raise UpstreamError(f"{url}: events with a {field} after {field}__lte (is the filter ignored?)")
    return keys, dates


def _moment(record, field):
    """The record's `field` as a datetime (an IngestError naming the field if it is missing, as
    `last_updated` may be in list mode, or not a moment)."""
    if field not in record:
        raise IngestError("is missing", field=field)
    try:
        return parse_datetime(record[field])
    except IngestError as error:
        raise IngestError(error.message, field=field) from None


class IdFilterIgnored(UpstreamError):
    """The upstream answered a question by ids with other events: it ignores LL2's `id` filter."""


def upstream_events(upstream, candidates, mode="list"):
    """{id: Answered record in `mode`} of those of the event ids `candidates` the upstream serves now, asked
    for by LL2's `id` filter, up to a page of ids a call (through `upstream`, so within its budget like every
    call).

    No offsets: while an answer holds fewer events than its count says (a page smaller than asked for),
    the ids not found yet are asked for again. An id left out of a whole answer was not upstream then.
    """
    found = {}
    for page_of_ids in pages_of_ids(candidates):
        asked = set(page_of_ids)
        while asked:
            query = {"mode": mode, "limit": PAGE_SIZE, "id": ",".join(map(str, sorted(asked)))}
            url = upstream.url(f"events/?{urlencode(query, safe=',')}")
            page = upstream.get_page(url)
            try:
                present = {item.record["id"]: item for item in answered(url, page["results"])}
            except (KeyError, TypeError):
                raise UpstreamError(f"{url}: an event without an id") from None
            if not present.keys() <= asked or (not present and page["count"]):
                raise IdFilterIgnored(f"{url}: not the events asked for (is the id filter ignored?)")
            found |= present
            asked = set() if len(present) >= page["count"] else asked - present.keys()
    return found


def slug_holders_upstream(upstream, records):
    """The local events, other than `records`' own, that hold a slug one of `records` takes: upstream, where
    slugs are unique, each was given another (its update comes on a later page) or deleted. Returns (their
    records as the upstream has them now, detailed, Answered, to import with `records`; the ids of those it
    no longer serves, to delete). A record so found may take the slug of yet another local event: that one
    is asked about too."""
    found, gone = {}, set()
    ids = {record["id"] for record in records}
    taking = records
    while True:
        holders = set(local_slug_holders(taking, ids).values_list("id", flat=True))
        if not holders:
            return list(found.values()), gone
        current = upstream_events(upstream, holders, mode="detailed")
        found |= current
        gone |= holders - current.keys()
        ids |= holders
        taking = [item.record for item in current.values()]


def local_slug_holders(records, others_than):
    """The local events, but for those of the ids `others_than`, holding a slug one of `records` takes."""
    slugs = {record.get("slug") for record in records if isinstance(record.get("slug"), str)}
    return Event.objects.filter(slug__in=slugs).exclude(id__in=others_than)


def slugs_given_twice(records, holders):
    """The slugs that one of `holders` (the records slug_holders_upstream asked for after `records`) shares
    with another record: slugs are unique upstream, so the upstream changed between the answers, and both
    records cannot be imported together. A fault of the moment, not data that fails validation."""
    given = Counter(record.get("slug") for record in [*records, *holders])
    return sorted({holder.get("slug") for holder in holders if given[holder.get("slug")] > 1})


def delete_events(ids):
    """Delete the events `ids`, with a new data version, in one write (the caller's transaction, if any)."""
    with transaction.atomic(), bulk_write():
        Event.objects.filter(id__in=ids).delete()
        if ids:
            DataState.bump()
