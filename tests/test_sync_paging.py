"""sync_ll2's keyset pages (`last_updated__gte` the newest `last_updated` of the page before) against an
upstream that changes during the run: ties across pages, events sharing one last_updated read as a group by
date (those sharing a date too, by offset), runs cut short and taken up, and the checkpoint and its
overlap."""

import copy
import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import Event
from ingest.errors import IngestError
from ingest.models import SyncCheckpoint
from ingest.sync import CHECKPOINT_OVERLAP, overlapped, sync_events
from ingest.upstream import SyncStopped, UpstreamError

from .fake_upstream import shuffled_by_page, sort_key, stamp
from .sync_fixtures import SMALL, THIN, full_url, iso, page_url, stored_ids

pytestmark = pytest.mark.django_db

KEYSET = ("last_updated__gte", "last_updated__lte", "date__gte", "date__lte", "offset")


def pages_asked(fake):
    """Where each page of events the sync asked for stands: its KEYSET parameters, those given (not the
    questions about events by id)."""
    pages = [call for call in fake.calls() if "id" not in call.query]
    return [{key: call.query[key] for key in KEYSET if key in call.query} for call in pages]


def asked(*values):
    """A page asked for, as pages_asked gives it: KEYSET's values, in order (None: not given)."""
    return {key: value for key, value in zip(KEYSET, values, strict=False) if value is not None}


def test_ties_across_pages_are_neither_skipped_nor_repeated(fake_ll2, connect):
    events = copy.deepcopy(SMALL)
    for number, event in enumerate(events[5:25]):
        event["last_updated"], event["date"] = "2024-01-01T00:00:00Z", tie_date(number)
    for number, event in enumerate(events[25:]):
        event["last_updated"] = f"2024-06-0{number + 1}T00:00:00Z"
    fake = fake_ll2(events, page_size=8)
    upstream = connect(fake)

    summary = sync_events(upstream, since=None)

    assert str(summary) == "6 pages: 30 created, 0 updated, 0 unchanged, 0 pruned"
    assert stored_ids() == sorted(event["id"] for event in events)
    # Page 2 starts again at the 3 ties of page 1 and holds only ties: the 20 are read as a group, by date
    # (each page from the newest date of the page before), then the events from the second after theirs.
    tie, until = "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.999999Z"
    assert pages_asked(fake) == [
        asked(),
        asked(tie),
        asked(tie, until),
        asked(tie, until, tie_date(7)),
        asked(tie, until, tie_date(14)),
        asked("2024-01-01T00:00:01Z"),
    ]
    # The next run asks again from the newest last_updated, where the newest event imports as unchanged.
    assert str(sync_events(upstream, since="auto")) == "1 page: 0 created, 0 updated, 1 unchanged, 0 pruned"


def test_events_updated_upstream_during_the_sync_are_not_lost(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10)
    # Once page 1 is in, an event of page 1 and the first of page 2 are updated: both move to the end.
    moved = {SMALL[0]["id"]: "Renamed during the sync", SMALL[10]["id"]: "Moved past page 2"}

    def update_upstream(page, summary):
        if summary.pages == 1:
            for event in fake.events:
                if event["id"] in moved:
                    event["name"], event["last_updated"] = moved[event["id"]], "2027-01-01T00:00:00Z"
            fake.events.sort(key=sort_key)

    summary = sync_events(connect(fake), since="auto", on_page=update_upstream)

    assert str(summary) == "4 pages: 30 created, 1 updated, 0 unchanged, 0 pruned"
    assert stored_ids() == sorted(event["id"] for event in SMALL)
    assert [call.query.get("offset") for call in fake.calls()] == [None, None, None, None]
    assert dict(Event.objects.filter(id__in=moved).values_list("id", "name")) == moved


def test_a_run_from_past_the_checkpoint_leaves_it_where_it_was(fake_ll2, connect):
    fake = fake_ll2(SMALL[:10], page_size=10)
    upstream = connect(fake)
    sync_events(upstream, since="auto")
    checkpoint = SyncCheckpoint.objects.values_list("last_updated", "last_id").get()
    assert checkpoint == (stamp(SMALL[9]["last_updated"]), SMALL[9]["id"])
    # 20 more events upstream; a run asks for the newest 10 alone, then the regular run comes.
    fake.events = copy.deepcopy(SMALL)
    assert str(sync_events(upstream, since=stamp(SMALL[20]["last_updated"]))) == (
        "1 page: 10 created, 0 updated, 0 unchanged, 0 pruned"
    )
    assert SyncCheckpoint.objects.values_list("last_updated", "last_id").get() == checkpoint
    # From CHECKPOINT_OVERLAP before the checkpoint: those events again, and the 10 of the run from later.
    again = [
        event for event in SMALL[:10] if stamp(event["last_updated"]) >= checkpoint[0] - CHECKPOINT_OVERLAP
    ]
    assert str(sync_events(upstream, since="auto")) == (
        f"3 pages: 10 created, 0 updated, {10 + len(again)} unchanged, 0 pruned"
    )
    assert stored_ids() == sorted(event["id"] for event in SMALL)
    assert SyncCheckpoint.objects.values_list("last_updated", "last_id").get() == (
        stamp(SMALL[29]["last_updated"]),
        SMALL[29]["id"],
    )


def test_a_run_reads_again_the_minutes_before_its_checkpoint(fake_ll2, connect):
    # An upstream stamps an event before its write commits: one that commits after a run has moved the
    # checkpoint past its stamp is read by the next run, if stamped less than CHECKPOINT_OVERLAP before it.
    fake = fake_ll2(SMALL[:10], page_size=10)
    upstream = connect(fake)
    sync_events(upstream, since="auto")
    checkpoint = SyncCheckpoint.objects.values_list("last_updated", "last_id").get()
    start = checkpoint[0] - CHECKPOINT_OVERLAP
    late, too_late = copy.deepcopy(SMALL[10]), copy.deepcopy(SMALL[11])
    late["last_updated"] = iso(start + datetime.timedelta(seconds=1))
    too_late["last_updated"] = iso(start - datetime.timedelta(seconds=1))
    fake.events = sorted([*fake.events, late, too_late], key=sort_key)
    again = [event for event in SMALL[:10] if stamp(event["last_updated"]) >= start]
    assert 0 < len(again) < 10

    summary = sync_events(upstream, since="auto")

    assert str(summary) == f"1 page: 1 created, 0 updated, {len(again)} unchanged, 0 pruned"
    assert full_url(fake, fake.calls()[-1]) == page_url(fake, iso(start))
    assert stored_ids() == sorted([*(event["id"] for event in SMALL[:10]), late["id"]])
    # The checkpoint never moves back.
    assert SyncCheckpoint.objects.values_list("last_updated", "last_id").get() == checkpoint


SECOND = datetime.timedelta(seconds=1)  # a Date less a call of a fraction of a second, cut to the second


def test_an_event_written_between_a_runs_pages_is_the_next_runs(fake_ll2, connect):
    # Near the upstream's newest events a run reads its pages minutes apart (its call budget): an event
    # written between two of them, stamped before the cursor, is not in the run's later pages. The checkpoint
    # stays at the moment the upstream read the run's first page from (its Date, less the call's fraction of
    # a second, cut to the second), so that the next run, from CHECKPOINT_OVERLAP before it, reads that event.
    served = datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)
    events = copy.deepcopy(SMALL[:20])
    for number, event in enumerate(events):
        late_by = datetime.timedelta(seconds=number - 60 if number < 10 else 600 + number)
        event["last_updated"] = iso(served + late_by)
    late = copy.deepcopy(SMALL[20]) | {"last_updated": iso(served - datetime.timedelta(seconds=90))}
    fake = fake_ll2(events, page_size=10)
    fake.served_at = served
    upstream = connect(fake)

    def write_late(page, summary):
        if summary.pages == 1:
            fake.events = sorted([*fake.events, late], key=sort_key)

    sync_events(upstream, since="auto", on_page=write_late)
    assert late["id"] not in stored_ids()
    assert SyncCheckpoint.objects.values_list("last_updated", flat=True).get() == served - SECOND
    # A run from a moment within CHECKPOINT_OVERLAP before the checkpoint does not vouch for what is before
    # it: the checkpoint stays.
    fake.served_at = served + datetime.timedelta(minutes=20)
    sync_events(upstream, since=served)
    assert SyncCheckpoint.objects.values_list("last_updated", flat=True).get() == served - SECOND
    sync_events(upstream, since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, late])


def test_an_event_written_while_the_first_page_was_made_is_the_next_runs(fake_ll2, connect):
    # An upstream sets its Date once a page is ready: one taking a second read its data up to a second
    # before its Date. An event written meanwhile, stamped CHECKPOINT_OVERLAP and a second before the Date,
    # is not on the page, and would be before the next run had the checkpoint been the Date. It stands the
    # call's time before the Date, cut to the second, and the next run reads that event.
    served = datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)
    events = copy.deepcopy(THIN[:2])
    for number, event in enumerate(events):
        event["last_updated"] = iso(served + datetime.timedelta(minutes=number + 1))
    late = copy.deepcopy(THIN[2]) | {"last_updated": iso(served - SECOND - CHECKPOINT_OVERLAP)}
    fake = fake_ll2(events)
    fake.served_at = served
    fake.script(("sleep", 1.0))
    upstream = connect(fake, timeout=5)
    sync_events(upstream, since=None)
    assert SyncCheckpoint.objects.get().last_updated == served - 2 * SECOND
    fake.events = sorted([*fake.events, late], key=sort_key)
    sync_events(upstream, since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, late])


def test_a_run_from_a_moment_with_a_fraction_reads_from_its_whole_second(fake_ll2, connect):
    # Stored at 12:00:00.7, shown as 12:00:00Z: a run from 12:00:00.5 asks from 12:00:00 and reads it.
    events = copy.deepcopy(THIN[:2])
    events[0]["last_updated"], events[1]["last_updated"] = "2024-06-01T12:00:00.7Z", "2024-06-01T12:00:05Z"
    fake = fake_ll2(events, shows=0)
    summary = sync_events(connect(fake), since=stamp("2024-06-01T12:00:00.5Z"))
    assert str(summary) == "1 page: 2 created, 0 updated, 0 unchanged, 0 pruned"
    assert pages_asked(fake) == [asked("2024-06-01T12:00:00Z")]


def test_a_first_run_from_a_date_leaves_the_events_before_it_to_the_next(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10)
    upstream = connect(fake)
    since = stamp(SMALL[20]["last_updated"])
    assert str(sync_events(upstream, since=since)) == "1 page: 10 created, 0 updated, 0 unchanged, 0 pruned"
    # Not every event older than the newest is in: no checkpoint says so.
    assert SyncCheckpoint.objects.values_list("last_updated", flat=True).get() is None
    sync_events(upstream, since="auto")
    assert stored_ids() == sorted(event["id"] for event in SMALL)
    assert SyncCheckpoint.objects.values_list("last_updated", "last_id").get() == (
        stamp(SMALL[29]["last_updated"]),
        SMALL[29]["id"],
    )


def test_an_upstream_that_ignores_the_keyset_is_refused(fake_ll2, connect):
    fake = fake_ll2(SMALL, page_size=10, ignore_query=True)
    upstream = connect(fake)
    with pytest.raises((UpstreamError, IngestError)):
        sync_events(upstream, since="auto", should_stop=lambda: len(fake.calls()) >= 5)


def with_ties(count, *, before=1, after=2, date=None):
    """Thin events: `before` of them, then `count` sharing TIE, then `after`, each at its own later
    last_updated. The tied ones are dated in id order (the order the fake serves ties in), or all at `date`.
    Returns (events, the tied ones, in id order)."""
    events = copy.deepcopy(THIN[: before + count + after])
    for number, event in enumerate(events[:before]):
        event["last_updated"] = f"2024-01-{number + 1:02}T00:00:00Z"
    tied = sorted(events[before : before + count], key=lambda event: event["id"])
    for number, event in enumerate(tied):
        event["last_updated"], event["date"] = TIE, date or tie_date(number)
    for number, event in enumerate(events[before + count :]):
        event["last_updated"] = f"2024-03-{number + 1:02}T00:00:00Z"
    return events, tied


TIE = "2024-02-01T00:00:00Z"


TIE_UNTIL = "2024-02-01T00:00:00.999999Z"  # the last moment of TIE's second


AFTER_TIE = "2024-02-01T00:00:01Z"


def tie_date(number):
    """The date with_ties gives the tied event `number` (in id order)."""
    return iso(datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC) + number * datetime.timedelta(hours=1))


def still_tied(fake):
    """The ids of the upstream's events still at TIE, in order."""
    return sorted(event["id"] for event in fake.events if event["last_updated"] == TIE)


def shared_offsets(fake, tie=None):
    """The offsets of the pages asked for of events sharing a date in a group (the group at `tie`, or any),
    in order."""
    pages = [page for page in pages_asked(fake) if "date__lte" in page]
    return [page.get("offset", "0") for page in pages if tie in (None, page["last_updated__gte"])]


def change_upstream(fake, event_id, change):
    """Update an event upstream (a new name and last_updated: it moves to the end), or delete it."""
    if change == "deleted":
        fake.events = [event for event in fake.events if event["id"] != event_id]
        return
    for event in fake.events:
        if event["id"] == event_id:
            event["name"], event["last_updated"] = "Updated during the sync", "2027-01-01T00:00:00Z"
    fake.events.sort(key=sort_key)


@pytest.mark.parametrize("change", ["updated", "deleted"])
def test_an_event_leaving_a_tie_during_the_sync_hides_none_of_the_others(fake_ll2, connect, change):
    # Six events in pages of two, three sharing TIE: page 1 ends on the first of them, which is then
    # updated (or deleted) upstream. Page 2, from TIE, holds the other two alone: read as a group, whole.
    events, tied = with_ties(3)
    fake = fake_ll2(events, page_size=2)

    def on_page(page, summary):
        if summary.pages == 1:
            assert [event["id"] for event in page["results"]][-1] == tied[0]["id"]
            change_upstream(fake, tied[0]["id"], change)

    summary = sync_events(connect(fake), since=None, on_page=on_page)

    assert stored_ids() == sorted(event["id"] for event in events)
    pages = [asked(), asked(TIE), asked(TIE, TIE_UNTIL), asked(AFTER_TIE)]
    if change == "updated":
        assert Event.objects.get(id=tied[0]["id"]).name == "Updated during the sync"
        assert str(summary) == "5 pages: 6 created, 1 updated, 0 unchanged, 0 pruned"
        assert pages_asked(fake) == [*pages, asked("2024-03-02T00:00:00Z")]
    else:
        assert str(summary) == "4 pages: 6 created, 0 updated, 0 unchanged, 0 pruned"
        assert pages_asked(fake) == pages


@pytest.mark.parametrize(("changed", "pages"), [(1, 7), (6, 6)])
def test_a_group_changing_during_its_pages_is_read_on_by_date(fake_ll2, connect, changed, pages):
    # Eight events share TIE, in pages of three: the group is read by date, each page from the newest date
    # of the page before. Once its first page is in (page 3), the second (read) or the seventh (not yet
    # read) is updated upstream: it comes again at its new last_updated, and the group goes on.
    events, tied = with_ties(8, after=1)
    fake = fake_ll2(events, page_size=3)

    def on_page(page, summary):
        if summary.pages == 3:
            assert [event["id"] for event in page["results"]] == [event["id"] for event in tied[:3]]
            change_upstream(fake, tied[changed]["id"], "updated")

    summary = sync_events(connect(fake), since=None, on_page=on_page)

    assert stored_ids() == sorted(event["id"] for event in events)
    assert Event.objects.get(id=tied[changed]["id"]).name == "Updated during the sync"
    # (The seventh had not been read: it comes once, updated.)
    assert str(summary) == f"{pages} pages: 10 created, {int(changed == 1)} updated, 0 unchanged, 0 pruned"
    dated = [tie_date(2), tie_date(4), tie_date(6)][: pages - 4]
    group = [asked(TIE, TIE_UNTIL, date) for date in [None, *dated]]
    assert pages_asked(fake) == [asked(), asked(TIE), *group, asked(AFTER_TIE)]


def test_a_group_changing_after_every_page_is_read_whole(fake_ll2, connect):
    # Twenty events share TIE, in pages of three; after each page, the first of them still at TIE is
    # updated upstream (to one last_updated, where they form another group). No restart, nothing lost.
    events, _ = with_ties(20)
    fake = fake_ll2(events, page_size=3)

    def on_page(page, summary):
        tied = still_tied(fake)
        if summary.pages >= 2 and tied:
            change_upstream(fake, tied[0], "updated")

    sync_events(connect(fake), since=None, on_page=on_page)

    upstream = {event["id"]: (event["name"], stamp(event["last_updated"])) for event in fake.events}
    assert {event.id: (event.name, event.last_updated) for event in Event.objects.all()} == upstream
    assert sum(name == "Updated during the sync" for name, _ in upstream.values()) > 5


def test_an_event_joining_a_group_behind_its_pages_is_the_next_runs(fake_ll2, connect):
    # An event joins a group upstream only while the group's second is recent (P1): the upstream served
    # the run's first page a minute after TIE. Two join behind the page read (dated before the others):
    # this run does not see them; the checkpoint stays at the moment it began, and the next run reads them.
    events, _ = with_ties(5, before=0, after=1)
    joining = [
        copy.deepcopy(event) | {"last_updated": TIE, "date": f"2029-12-31T0{hour}:00:00Z"}
        for hour, event in enumerate(THIN[6:8])
    ]
    fake = fake_ll2(events, page_size=3)
    fake.served_at = stamp(TIE) + datetime.timedelta(minutes=1)

    def on_page(page, summary):
        if summary.pages == 2:
            fake.events = sorted([*fake.events, *joining], key=sort_key)

    assert str(sync_events(connect(fake), since=None, on_page=on_page)) == (
        "4 pages: 6 created, 0 updated, 0 unchanged, 0 pruned"
    )
    assert pages_asked(fake) == [
        asked(),
        asked(TIE, TIE_UNTIL),
        asked(TIE, TIE_UNTIL, tie_date(2)),
        asked(AFTER_TIE),
    ]
    assert SyncCheckpoint.objects.get().last_updated == fake.served_at - SECOND
    sync_events(connect(fake), since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, *joining])


def test_a_run_cut_short_in_a_group_is_taken_up_at_its_page_keeping_its_start(fake_ll2, connect):
    # Eight events share TIE, in pages of three; the run stops once two of the group's pages are in (at
    # LL2's 15 calls an hour, a group of 1,500 events is an hour of calls: read again whole after each
    # interruption, it might never be passed). The next run reads on from the group's next page.
    events, _ = with_ties(8, before=0, after=1)
    fake = fake_ll2(events, page_size=3)
    fake.served_at = stamp(TIE) + datetime.timedelta(minutes=1)
    pages = []
    with pytest.raises(SyncStopped):
        sync_events(
            connect(fake),
            since="auto",  # a first fill, from the checkpoint there is not yet
            on_page=lambda page, summary: pages.append(page),
            should_stop=lambda: len(pages) == 3,
        )
    checkpoint = SyncCheckpoint.objects.get()
    assert (checkpoint.group_from, checkpoint.group_dated, checkpoint.group_began) == (
        stamp(TIE),
        stamp(tie_date(4)),
        fake.served_at - SECOND,
    )
    output = io.StringIO()
    call_command("sync_ll2", "--status", stdout=output)
    assert (
        f"  in a group:   the events updated at {stamp(TIE)}, read on from date {stamp(tie_date(4))}\n"
        in (output.getvalue())
    )

    # Meanwhile an event joins the group behind the pages read (dated before them), as it can only while
    # TIE is recent (P1), and the upstream's clock moves on an hour.
    joining = copy.deepcopy(THIN[10]) | {"last_updated": TIE, "date": "2029-12-31T00:00:00Z"}
    fake.events = sorted([*fake.events, joining], key=sort_key)
    fake.served_at += datetime.timedelta(hours=1)
    before = len(pages_asked(fake))
    summary = sync_events(connect(fake), since="auto")
    assert pages_asked(fake)[before:] == [
        asked(TIE, TIE_UNTIL, tie_date(4)),
        asked(TIE, TIE_UNTIL, tie_date(6)),
        asked(AFTER_TIE),
    ]
    assert str(summary) == "3 pages: 4 created, 0 updated, 1 unchanged, 0 pruned"
    checkpoint = SyncCheckpoint.objects.get()
    # The checkpoint keeps the first run's start: the next run reads the group's second again, and the event
    # that joined it.
    assert checkpoint.last_updated == stamp(TIE) + datetime.timedelta(minutes=1) - SECOND
    assert (checkpoint.group_from, checkpoint.group_dated, checkpoint.group_began) == (None, None, None)
    assert joining["id"] not in stored_ids()
    sync_events(connect(fake), since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, joining])


def cut_after(fake, connect, pages, since):
    """A run stopped once `pages` pages are in."""
    done = []
    with pytest.raises(SyncStopped):
        sync_events(
            connect(fake),
            since=since,
            on_page=lambda page, summary: done.append(page),
            should_stop=lambda: len(done) == pages,
        )


def test_a_run_cut_short_among_events_sharing_a_date_is_taken_up_without_a_skip(fake_ll2, connect):
    # Nine events share TIE and a date: read by offset, in pages of three. The run stops among them; the
    # next reads that date again from offset 0, and every event is in.
    events, _ = with_ties(9, before=0, after=1, date="2030-01-01T00:00:00Z")
    fake = fake_ll2(events, page_size=3)
    cut_after(fake, connect, 4, since="auto")
    checkpoint = SyncCheckpoint.objects.get()
    assert (checkpoint.group_from, checkpoint.group_dated) == (stamp(TIE), stamp("2030-01-01T00:00:00Z"))
    sync_events(connect(fake), since="auto")
    assert stored_ids() == sorted(event["id"] for event in events)
    assert SyncCheckpoint.objects.get().group_from is None


def test_a_run_given_since_cut_short_in_a_group_is_not_taken_up(fake_ll2, connect):
    # As the README says of a run given --since: the next run from the checkpoint reads from it, not from
    # that run's group (here one long before the checkpoint).
    events, _ = with_ties(8, before=0, after=5)
    fake = fake_ll2(events, page_size=3)
    fake.served_at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    sync_events(connect(fake), since="auto")
    checkpoint = SyncCheckpoint.objects.get().last_updated
    cut_after(fake, connect, 3, since=None)
    assert SyncCheckpoint.objects.get().group_from is None
    before = len(pages_asked(fake))
    sync_events(connect(fake), since="auto")
    # The overlap the README promises, as a number: five minutes.
    assert pages_asked(fake)[before:] == [asked(iso(checkpoint - datetime.timedelta(minutes=5)))]


@pytest.mark.parametrize(
    ("page", "field", "value", "refused"),
    [
        (2, "last_updated", "2024-01-31T23:59:59Z", "a last_updated before last_updated__gte"),
        (2, "last_updated", AFTER_TIE, "a last_updated after last_updated__lte"),
        (3, "date", "2029-01-01T00:00:00Z", "a date before date__gte"),
    ],
)
def test_a_group_page_outside_its_bounds_is_refused(fake_ll2, connect, page, field, value, refused):
    # A page of the group gives its first event another last_updated, or date, than the query allows.
    events, _ = with_ties(5, before=0, after=1)
    fake = fake_ll2(events, page_size=3)
    fake.script(*[None] * (page - 1), ("bad_record", 0, lambda record: record.update({field: value})))
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)
    url = full_url(fake, fake.calls()[-1])
    assert str(stopped.value) == f"{url}: events with {refused} (is the filter ignored?)"
    assert fake.calls()[-1].query.get("ordering") == "date"


@pytest.mark.parametrize("shows", [0, 3])
def test_a_group_stands_for_the_rest_of_its_second(fake_ll2, connect, shows):
    # Three events stored at 12:00:00.0661 to .0663, shown as 12:00:00Z (as LL2 shows stamps) or as
    # 12:00:00.066Z: in pages of two, the first is all at one shown stamp, and the group read from it runs
    # to the end of its second, whatever the upstream shows of the fraction, not to the moment shown.
    events = copy.deepcopy(THIN[:4])
    for number, event in enumerate(events):
        event["last_updated"] = (
            f"2024-06-01T12:00:00.0661{number}0Z" if number < 3 else "2024-06-01T12:00:01Z"
        )
        event["date"] = tie_date(number)
    fake = fake_ll2(events, page_size=2, shows=shows)
    shown = "2024-06-01T12:00:00" + (".066000" if shows else "") + "Z"  # as the sync asks for it

    assert (
        str(sync_events(connect(fake), since=None)) == "4 pages: 4 created, 0 updated, 0 unchanged, 0 pruned"
    )
    until = "2024-06-01T12:00:00.999999Z"
    assert pages_asked(fake) == [
        asked(),
        asked(shown, until),
        asked(shown, until, tie_date(1)),
        asked("2024-06-01T12:00:01Z"),
    ]
    assert stored_ids() == sorted(event["id"] for event in events)
    # The next run, from five minutes before 12:00:01, reads them again the same way.
    summary = sync_events(connect(fake), since="auto")
    assert str(summary) == "4 pages: 0 created, 0 updated, 4 unchanged, 0 pruned"


def test_a_checkpoint_taken_from_this_hosts_clock_falls_on_a_whole_second(fake_ll2, connect):
    # With no Date from the upstream, the moment it served the run's first page is this host's, cut to
    # the second as a Date is: the checkpoint stands there (events are stamped later), and the next run's
    # cursor falls on a stamp that an upstream showing whole seconds shows whole.
    now = timezone.now()
    events = copy.deepcopy(THIN[:3])
    for number, event in enumerate(events):
        event["last_updated"] = iso(now + datetime.timedelta(minutes=number + 1, microseconds=800_000))
    fake = fake_ll2(events, page_size=2, shows=0)
    fake.served_at = False
    sync_events(connect(fake), since=None)
    checkpoint = SyncCheckpoint.objects.get().last_updated
    assert now - datetime.timedelta(seconds=1) < checkpoint <= timezone.now()
    assert checkpoint.microsecond == 0
    # An event stored just after the next run's cursor, with a fraction: shown as its whole second.
    late = copy.deepcopy(THIN[3]) | {
        "last_updated": iso(overlapped(checkpoint) + datetime.timedelta(microseconds=1))
    }
    fake.events = sorted([*fake.events, late], key=sort_key)
    sync_events(connect(fake), since="auto")
    assert stored_ids() == sorted(event["id"] for event in [*events, late])


def test_an_empty_page_with_more_to_come_is_refused_not_taken_for_the_end(fake_ll2, connect):
    # Outside a group too: a run that stopped there would say it is done, a mirror filled to one page.
    fake = fake_ll2(page_size=3)
    fake.script(None, ("empty",))
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)
    url = page_url(fake, fake.events[2]["last_updated"])
    assert str(stopped.value) == f"{url}: no events, and a next page (is the filter ignored?)"
    assert Event.objects.count() == 3
    assert SyncCheckpoint.objects.get().last_error == str(stopped.value)


def test_an_empty_group_page_with_more_to_come_is_refused(fake_ll2, connect):
    events, _ = with_ties(5, before=0, after=1)
    fake = fake_ll2(events, page_size=3)
    fake.script(None, ("empty",))
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)
    url = page_url(fake, TIE, until=TIE_UNTIL)
    assert str(stopped.value) == f"{url}: no events, and a next page (is the filter ignored?)"
    assert SyncCheckpoint.objects.get().last_updated == stamp(TIE)


def test_ties_in_another_order_on_each_page_are_read_by_date(fake_ll2, connect):
    # 100 events share TIE, in pages of 30, and the upstream gives them in another order for each LIMIT
    # and OFFSET (as PostgreSQL may): read by offset in that order, pages would skip some. By date, none.
    events, _ = with_ties(100)
    fake = fake_ll2(events, page_size=30, tie_order=shuffled_by_page)

    summary = sync_events(connect(fake), since=None)

    assert str(summary) == "7 pages: 103 created, 0 updated, 0 unchanged, 0 pruned"
    assert stored_ids() == sorted(event["id"] for event in events)
    group = [asked(TIE, TIE_UNTIL, date) for date in (None, tie_date(29), tie_date(58), tie_date(87))]
    assert pages_asked(fake) == [asked(), asked(TIE), *group, asked(AFTER_TIE)]


SAME_DATE, AFTER_SAME_DATE = "2030-01-01T00:00:00Z", "2030-01-01T00:00:01Z"


SAME_DATE_UNTIL = "2030-01-01T00:00:00.999999Z"


def test_a_date_shared_in_a_group_by_more_than_a_page_is_read_by_offset_and_again_when_it_changes(
    fake_ll2, connect
):
    # Eight events share TIE and their date, in pages of three: read by offset, overlapping by an event.
    # After the first of those pages, the second event is updated upstream: the next page does not start
    # with the event it should, and they are read again from their start.
    events, tied = with_ties(8, after=1, date=SAME_DATE)
    fake = fake_ll2(events, page_size=3)

    def on_page(page, summary):
        if summary.pages == 4:
            change_upstream(fake, tied[1]["id"], "updated")

    summary = sync_events(connect(fake), since=None, on_page=on_page)

    assert stored_ids() == sorted(event["id"] for event in events)
    assert str(summary) == "10 pages: 10 created, 1 updated, 0 unchanged, 0 pruned"
    shared = [
        asked(TIE, TIE_UNTIL, SAME_DATE, SAME_DATE_UNTIL, offset) for offset in (None, "2", None, "2", "4")
    ]
    assert pages_asked(fake) == [
        asked(),
        asked(TIE),
        asked(TIE, TIE_UNTIL),
        *shared,
        asked(TIE, TIE_UNTIL, AFTER_SAME_DATE),
        asked(AFTER_TIE),
    ]


@pytest.mark.parametrize("shared", ["date", "last_updated"])
def test_a_group_in_the_last_second_of_9999_ends_the_run(fake_ll2, connect, shared):
    # Five events share the last second there is, in their date (read by offset) or their last_updated
    # (the group, read by date), in pages of three: nothing can come after it.
    events, tied = with_ties(5, before=1, after=0, date="9999-12-31T23:59:59Z" if shared == "date" else None)
    if shared == "last_updated":
        for event in tied:
            event["last_updated"] = "9999-12-31T23:59:59Z"
    fake = fake_ll2(events, page_size=3)
    sync_events(connect(fake), since=None)
    assert stored_ids() == sorted(event["id"] for event in events)
    assert SyncCheckpoint.objects.get().last_error == ""


def test_ties_sharing_a_date_in_another_order_on_each_page_stop_the_sync(fake_ll2, connect):
    # Five events share TIE and a date; the page at offset 2 gives the second and fourth in each other's
    # place. It starts with the event it should, yet the fourth is never read: the ids read fall short of
    # the count, and they are read again, until the sync stops rather than skip it.
    events, tied = with_ties(5, before=0, after=0, date=SAME_DATE)
    swapped = [event["id"] for event in tied]
    swapped[1], swapped[3] = swapped[3], swapped[1]
    fake = fake_ll2(events, page_size=3, tie_order=lambda ids, offset, limit: swapped if offset else ids)

    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)

    url = page_url(fake, TIE, offset=2, until=TIE_UNTIL, dated=(SAME_DATE, SAME_DATE_UNTIL))
    assert str(stopped.value) == (
        f"{url}: the events sharing last_updated {TIE} and date {SAME_DATE} were read in 6 rounds of pages "
        "that brought nothing new (do they come in another order from page to page?); stopping rather than "
        "risk skipping one (run the sync again)"
    )
    assert tied[3]["id"] not in stored_ids()
    assert SyncCheckpoint.objects.get().last_updated == stamp(TIE)


def test_ties_in_another_order_are_not_hidden_by_a_read_one_deleted(fake_ll2, connect):
    # Five events share TIE and a date, in pages of three; the page at offset 2 gives the fourth first, and
    # the first (read) is deleted upstream before it: the ids read come to the count without the fourth.
    # Asked about by id, three of those read are there of four: one was skipped. Those events are read
    # again from their start, and the fourth with them, rather than left out for good.
    events, tied = with_ties(5, before=0, after=1, date=SAME_DATE)
    skipped = tied[3]["id"]

    def tie_order(ids, offset, limit):
        return [skipped, *(i for i in ids if i != skipped)] if offset == 2 else ids

    fake = fake_ll2(events, page_size=3, tie_order=tie_order)

    def on_page(page, summary):
        query = fake.calls()[-1].query
        if "date__lte" in query and "offset" not in query and tied[0]["id"] in {e["id"] for e in fake.events}:
            change_upstream(fake, tied[0]["id"], "deleted")

    sync_events(connect(fake), since=None, on_page=on_page)

    assert stored_ids() == sorted(event["id"] for event in events)
    shared = [asked(TIE, TIE_UNTIL, SAME_DATE, SAME_DATE_UNTIL, offset) for offset in (None, "2", None, "2")]
    assert pages_asked(fake) == [
        asked(),
        asked(TIE, TIE_UNTIL),
        *shared,
        asked(TIE, TIE_UNTIL, AFTER_SAME_DATE),
        asked(AFTER_TIE),
    ]
    asked_by_id = [call.query for call in fake.calls() if "id" in call.query]
    assert [query["id"] for query in asked_by_id] == [
        ",".join(str(event["id"]) for event in sorted(read, key=lambda e: e["id"]))
        for read in ([*tied[:3], tied[4]], tied)
    ]
    assert asked_by_id[0] == {
        "mode": "list",
        "limit": "1",
        "last_updated__gte": TIE,
        "last_updated__lte": TIE_UNTIL,
        "date__gte": SAME_DATE,
        "date__lte": SAME_DATE_UNTIL,
        "id": asked_by_id[0]["id"],
    }


def test_events_leaving_a_shared_date_under_its_offsets_never_stop_the_sync(fake_ll2, connect):
    # Twelve events share TIE and a date, in pages of three. After each page at offset 2, the first of them
    # (read) is updated upstream, seven times in all: the page at offset 4 has shifted down by one and does
    # not start with an event of the pages taken, so the page at 2 comes again, taking one event further.
    # No change reads them again from their start, and none counts against the run (the code before read
    # them again from their start after each change, and stopped after the sixth: a review's finding).
    events, tied = with_ties(12, after=1, date=SAME_DATE)
    fake = fake_ll2(events, page_size=3)
    changes = []

    def on_page(page, summary):
        if fake.calls()[-1].query.get("offset") == "2" and len(changes) < 7:
            changes.append(still_tied(fake)[0])
            change_upstream(fake, changes[-1], "updated")

    sync_events(connect(fake), since=None, on_page=on_page)

    assert changes == [event["id"] for event in tied[:7]]
    assert stored_ids() == sorted(event["id"] for event in events)
    assert Event.objects.filter(name="Updated during the sync").count() == 7
    assert shared_offsets(fake, TIE) == ["0", *["2", "4"] * 7, "2"]
    assert SyncCheckpoint.objects.get().last_error == ""


@pytest.mark.parametrize("shifts", [0, 6])
def test_events_leaving_as_their_ids_are_asked_about_never_stop_the_sync(fake_ll2, connect, shifts):
    # Sixteen events share TIE and a date, in pages of three. Just before each question about the ids read,
    # the newest of them leaves: fewer of those read are still there than the last page counted, and they
    # are read again from their start, seven times; then (with shifts) the first leaves after each page at
    # offset 2, as above. Each round counts fewer events than any before: none is fruitless (before, a
    # round made progress only by reading an event unread, and every later change stopped the run: a
    # review's finding).
    events, _ = with_ties(16, after=1, date=SAME_DATE)
    fake = fake_ll2(events, page_size=3)
    changes = []

    def leave(event_id):
        changes.append(event_id)
        change_upstream(fake, event_id, "updated")

    def arriving(query):
        if "id" in query and len(changes) < 7:
            leave(still_tied(fake)[-1])

    def on_page(page, summary):
        if fake.calls()[-1].query.get("offset") == "2" and 7 <= len(changes) < 7 + shifts:
            leave(still_tied(fake)[0])

    fake.arriving = arriving
    sync_events(connect(fake), since=None, on_page=on_page)

    assert len(changes) == 7 + shifts
    assert stored_ids() == sorted(event["id"] for event in events)
    assert Event.objects.filter(name="Updated during the sync").count() == 7 + shifts
    assert SyncCheckpoint.objects.get().last_error == ""


@pytest.mark.parametrize("change", ["updated", "deleted"])
@pytest.mark.parametrize("left", [0, 2])
def test_a_bulk_departure_steps_back_as_far_as_the_count_fell(fake_ll2, connect, change, left):
    # Twenty events share TIE and a date, in pages of three. Just before the page at offset 14, one write
    # takes all but `left` of them out: that page holds none, and the count fell by 18 or 20 since the page
    # before, so the next is at offset 0, not at each offset before it in turn, every one of them empty or
    # read and each a fruitless round (the run stopped after six: a review's finding).
    events, _ = with_ties(20, after=1, date=SAME_DATE)
    fake = fake_ll2(events, page_size=3)

    def arriving(query):
        if query.get("offset") == "14" and query.get("date__lte"):
            for event_id in still_tied(fake)[left:]:
                change_upstream(fake, event_id, change)

    fake.arriving = arriving
    sync_events(connect(fake), since=None)

    assert shared_offsets(fake, TIE) == ["0", "2", "4", "6", "8", "10", "12", "14", "0"]
    stored = dict(Event.objects.values_list("id", "name"))
    assert {event["id"]: event["name"] for event in fake.events}.items() <= stored.items()
    assert SyncCheckpoint.objects.get().last_error == ""


def test_an_upstream_ignoring_offset_for_a_shared_date_is_refused(fake_ll2, connect):
    # Five events share TIE and a date, in pages of three, in another order for each request; the upstream
    # ignores offset on their pages (the first three, and a next page, each time). Once all five have been
    # read, every page starts with one read: without this refusal the offsets grew for ever.
    events, _ = with_ties(5, after=1, date=SAME_DATE)
    order = random.Random(0)
    fake = fake_ll2(events, page_size=3, tie_order=lambda ids, offset, limit: order.sample(ids, len(ids)))
    fake.arriving = lambda query: query.pop("offset", None) if "date__lte" in query else None
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None, should_stop=lambda: len(fake.calls()) > 100)
    assert str(stopped.value).endswith(": events at an offset past their count (is offset ignored?)")


def test_an_event_joining_between_a_pages_count_and_its_events_is_no_ignored_offset(fake_ll2, connect):
    # Six events share TIE and a date, in pages of three. Just before the page at offset 4, two read ones
    # are deleted; between its count (4) and its events, one joins (DRF counts, then slices): the page at
    # offset 4 holds it. An upstream honouring offset can give events at an offset equal to their count
    # (DRF gives none only past it), so that page is one not taken, not a refusal (a review's finding).
    events, tied = with_ties(6, after=1, date=SAME_DATE)
    joiner = copy.deepcopy(THIN[8]) | {"id": 99_000, "last_updated": TIE, "date": SAME_DATE}
    fake = fake_ll2(events, page_size=3)

    def arriving(query):
        if query.get("offset") == "4" and query.get("date__lte"):
            fake.events = [
                event for event in fake.events if event["id"] not in {tied[0]["id"], tied[1]["id"]}
            ]

    def counted(query):
        if query.get("offset") == "4" and joiner not in fake.events:
            fake.events = sorted([*fake.events, joiner], key=sort_key)

    fake.arriving, fake.counted = arriving, counted
    sync_events(connect(fake), since=None)

    assert shared_offsets(fake) == ["0", "2", "4", "2"]
    assert stored_ids() == sorted(event["id"] for event in [*events, joiner])


def test_each_shared_date_has_its_own_count_of_fruitless_rounds(fake_ll2, connect):
    # Two groups of five, each sharing a date, in pages of three. The page at offset 2 of each gives the
    # second and fourth in each other's place its first six times: the fourth unread, the ids read fall
    # short of the count, and the five rounds after the first bring nothing new (the first read them all
    # but the fourth). The seventh time it comes in its place. Ten fruitless rounds in the run, but never
    # more than MAX_FRUITLESS_ROUNDS (5) for one date.
    events, tied = with_ties(10, after=1, date=SAME_DATE)
    later_tie = "2024-02-15T00:00:00Z"
    for event in tied[5:]:
        event["last_updated"] = later_tie
    swaps = {tied[1]["id"]: tied[3]["id"], tied[6]["id"]: tied[8]["id"]}
    swaps |= {second: first for first, second in swaps.items()}
    asked_at_2 = []

    def tie_order(ids, offset, limit):
        if offset:
            asked_at_2.append(offset)
            if len(asked_at_2) % 7:
                return [swaps.get(event_id, event_id) for event_id in ids]
        return ids

    fake = fake_ll2(events, page_size=3, tie_order=tie_order)

    sync_events(connect(fake), since=None)

    assert asked_at_2 == [2] * 14
    assert shared_offsets(fake) == ["0", "2"] * 14
    assert stored_ids() == sorted(event["id"] for event in events)


def test_a_run_from_the_overlap_never_moves_the_checkpoint_back(fake_ll2, connect):
    # The next run starts CHECKPOINT_OVERLAP (5 minutes) before the checkpoint: its first page, of events
    # from inside the overlap, is older than the checkpoint, which stays where it was.
    events = copy.deepcopy(THIN[:4])
    for event, moment in zip(events, ("10:50", "10:57", "10:58", "11:00"), strict=True):
        event["last_updated"] = f"2024-05-01T{moment}:00Z"
    fake = fake_ll2(events, page_size=2)
    sync_events(connect(fake), since=None)
    assert SyncCheckpoint.objects.get().last_updated == stamp("2024-05-01T11:00:00Z")
    seen = []

    def on_page(page, summary):
        seen.append((page["results"][0]["last_updated"], SyncCheckpoint.objects.get().last_updated))

    sync_events(connect(fake), since="auto", on_page=on_page)
    assert seen[0] == ("2024-05-01T10:57:00Z", stamp("2024-05-01T11:00:00Z"))
    assert {checkpoint for _, checkpoint in seen} == {stamp("2024-05-01T11:00:00Z")}


def test_pages_of_one_event_are_refused_for_a_shared_date(fake_ll2, connect):
    # Each page of one event begins a group, read by date; the first two are alone at their date, the
    # third not: it cannot be read by overlapping offsets.
    events, tied = with_ties(2, after=0, date=SAME_DATE)
    fake = fake_ll2(events, page_size=1)
    with pytest.raises(UpstreamError) as stopped:
        sync_events(connect(fake), since=None)
    url = page_url(fake, TIE, until=TIE_UNTIL, dated=(SAME_DATE, SAME_DATE_UNTIL))
    assert str(stopped.value) == f"{url}: pages of one event cannot be read by overlapping offsets"
    assert stored_ids() == sorted([events[0]["id"], tied[0]["id"]])
