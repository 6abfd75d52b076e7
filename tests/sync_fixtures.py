"""What the sync tests share (tests/test_sync_*.py; a plugin of tests/conftest.py): the fixture events in the
upstream's order, with and without their to-many relations, a fake upstream started and stopped per test,
the command run with fast settings, and a URL that nothing answers."""

import contextlib
import io
import logging
import signal

import pytest
from django.core.management import call_command

from bench.servers import free_port
from ingest import sync

from .conftest import fixture_events
from .fake_upstream import FakeLL2, sort_key

ORDERED = sorted(fixture_events().values(), key=sort_key)
PAGE = 40
# The fixture events without their to-many relations, quicker to import, for the tests where what
# matters is the pages.
TO_MANY = ("info_urls", "vid_urls", "updates", "agencies", "launches", "expeditions", "spacestations",
           "program", "astronauts")  # fmt: skip
THIN = [event | {key: [] for key in TO_MANY} for event in ORDERED]
FAST = ["--rate", "1000/1", "--timeout", "0.5", "--retries", "2", "--retry-base", "0.01"]


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
