"""What the sync tests share (tests/test_sync_*.py; a plugin of tests/conftest.py): the fixture events in the
upstream's order, with and without their to-many relations, and where the pages of 40 fall; a fake upstream
started and stopped per test, an Upstream on it, the command run with fast settings, and a URL that nothing
answers; the URL of a page as the sync asks for it, and what a run stored and where its checkpoint stands."""

import contextlib
import io
import logging
import signal

import pytest
from django.core.management import call_command

from bench.servers import free_port
from events.models import Event
from ingest import sync
from ingest.models import SyncCheckpoint
from ingest.upstream import Budget, Retry, Upstream

from .conftest import fixture_events
from .fake_upstream import FakeLL2, sort_key, stamp

ORDERED = sorted(fixture_events().values(), key=sort_key)
PAGE = 40
# The fixture events without their to-many relations, quicker to import, for the tests where what
# matters is the pages.
TO_MANY = ("info_urls", "vid_urls", "updates", "agencies", "launches", "expeditions", "spacestations",
           "program", "astronauts")  # fmt: skip
THIN = [event | {key: [] for key in TO_MANY} for event in ORDERED]
FAST = ["--rate", "1000/1", "--timeout", "0.5", "--retries", "2", "--retry-base", "0.01"]
# The fake's pages of PAGE fixture events, from the newest last_updated of the page before: events 0-39, 39-78
# and 78-113 in (last_updated, id) order.
FIRST_PAGE = [event["id"] for event in ORDERED[:PAGE]]
# SMALL: the first 30 thin events, served in pages of 10.
SMALL = THIN[:30]
HTML_TYPE = "text/html; charset=utf-8"
SECOND_PAGE_SINCE = "2022-12-14T06:26:02Z"  # the newest last_updated of page 1 (event 165)


@pytest.fixture
def fake_ll2():
    """Start a FakeLL2 (the fixture events, pages of PAGE unless told otherwise); stopped after the test."""
    started = []

    def start(events=ORDERED, **options):
        fake = FakeLL2(events, **{"page_size": PAGE} | options).__enter__()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.__exit__(None, None, None)


@pytest.fixture
def connect():
    """An Upstream on a fake: fast retries (0.01 s doubling, at most 0.05 s), a 0.5 s timeout and a
    generous fallback budget."""
    opened = []

    def open_upstream(fake_or_url, *, attempts=9, budget=None, timeout=0.5, **options):
        base_url = getattr(fake_or_url, "base_url", fake_or_url)
        upstream = Upstream(
            base_url,
            fallback_budget=budget or Budget(1000, 1),
            retry=Retry(attempts=attempts, base=0.01, cap=0.05),
            timeout=timeout,
            **options,
        )
        opened.append(upstream)
        return upstream

    yield open_upstream
    for upstream in opened:
        upstream.close()


@contextlib.contextmanager
def sync_log():
    """The messages the sync logs meanwhile (its logger's, whatever the level configured), a line each."""
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    sync_logger = logging.getLogger("ingest.sync")
    level = sync_logger.level
    sync_logger.addHandler(handler)
    sync_logger.setLevel(logging.INFO)
    try:
        yield logged
    finally:
        sync_logger.removeHandler(handler)
        sync_logger.setLevel(level)


@pytest.fixture
def sync_ll2():
    """Run the command (no progress bar, unless `progress=True`); return its stdout, or (stdout, its log)
    with `log=True`. The SIGTERM handler it sets is put back afterwards."""
    handler = signal.getsignal(signal.SIGTERM)

    def run(*args, log=False, progress=False):
        stdout = io.StringIO()
        with sync_log() as logged:
            call_command("sync_ll2", *args, *([] if progress else ["--no-progress"]), stdout=stdout)
        return (stdout.getvalue(), logged.getvalue()) if log else stdout.getvalue()

    yield run
    signal.signal(signal.SIGTERM, handler)


def closed_port_url():
    return f"http://127.0.0.1:{free_port()}/2.3.0"


def page_url(fake, since=None, offset=0, until=None, dated=None):
    """The URL the sync asks for (written out here rather than taken from ingest.sync): from `since`, or in
    a group to `until`, by date, from `dated` (a date, or the (first, last) moments of a shared one)."""
    ordering = "last_updated" if until is None else "date"
    url = f"{fake.base_url}/events/?mode=detailed&limit=100&ordering={ordering}"
    bounds = [since, until, *([dated] if isinstance(dated, str) else dated or [])]
    names = ("last_updated__gte", "last_updated__lte", "date__gte", "date__lte")
    for name, bound in zip(names, bounds, strict=False):
        if bound is not None:
            url += f"&{name}=" + bound.replace(":", "%3A")
    return url + (f"&offset={offset}" if offset else "")


def iso(moment):
    """A `last_updated` as LL2 writes it."""
    return moment.isoformat().replace("+00:00", "Z")


def full_url(fake, call):
    return f"http://127.0.0.1:{fake.port}{call.url}"


def stored_ids():
    return sorted(Event.objects.values_list("id", flat=True))


def assert_stopped_after_first_page(fake, message):
    """The database holds page 1 exactly, and the checkpoint stands at its end, naming the error."""
    assert stored_ids() == sorted(FIRST_PAGE)
    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.upstream == fake.base_url
    assert checkpoint.last_updated == stamp(ORDERED[PAGE - 1]["last_updated"])
    assert checkpoint.last_id == ORDERED[PAGE - 1]["id"] == 165
    assert checkpoint.last_error == message
    assert checkpoint.last_error_at is not None
    assert checkpoint.last_success is not None


def written_while_asking_about_slugs(monkeypatch, page_holding, write):
    """Runs `write()`, a local writer beside the sync, once slugs_freed has asked about the slugs of a page
    holding the record `page_holding`: after the sync read what is held here, before the page's
    transaction."""
    asking = sync.slugs_freed

    def asked_then_written(upstream, url, records):
        freed = asking(upstream, url, records)
        if page_holding in [item.record for item in records]:
            write()
        return freed

    monkeypatch.setattr(sync, "slugs_freed", asked_then_written)
