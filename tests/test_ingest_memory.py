"""An import pauses Python's cycle collector, which is safe only because it leaves no reference cycle."""

import copy
import gc

import pytest

import ingest.records
from ingest.records import IngestError, ingest_records
from ingest.synthetic import generate_events

from .conftest import fixture_events


@pytest.fixture
def collector_paused():
    """The collector off for the test, garbage before it collected; as it was, after."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.mark.django_db
@pytest.mark.usefixtures("collector_paused")
def test_an_import_leaves_no_reference_cycle():
    events = list(fixture_events().values())
    ingest_records(events, source="first")  # whatever the first import caches (compiled statements…)
    gc.collect()
    changed = copy.deepcopy(events)
    for event in changed:
        event["name"] += " (renamed)"
        event["updates"].reverse()
    ingest_records(changed, source="changed")
    ingest_records(list(generate_events(50, seed=3, start_id=100_000)), source="new")
    ingest_records(events, source="as before")
    assert gc.collect() == 0


def collector_state_while_importing(monkeypatch, records):
    """Whether the collector was enabled when the import wrote its first batch, and the import's error."""
    seen = []
    write_batch = ingest.records.write_batch

    def noted(batch, tally):
        seen.append(gc.isenabled())
        write_batch(batch, tally)

    monkeypatch.setattr(ingest.records, "write_batch", noted)
    try:
        ingest_records(records, source="test")
    except IngestError as error:
        return seen, error
    return seen, None


@pytest.mark.django_db
def test_the_collector_is_paused_while_importing_and_runs_after(monkeypatch):
    assert gc.isenabled()
    assert collector_state_while_importing(monkeypatch, [fixture_events()[352]]) == ([False], None)
    assert gc.isenabled()


@pytest.mark.django_db
def test_the_collector_runs_after_a_failed_import(monkeypatch):
    clash = copy.deepcopy(fixture_events()[352])
    clash["id"] = 99_352  # another event with the seed's slug
    seen, error = collector_state_while_importing(monkeypatch, [fixture_events()[352], clash])
    assert seen == [False]
    assert "already belongs to" in str(error)
    assert gc.isenabled()


@pytest.mark.django_db
@pytest.mark.usefixtures("collector_paused")
def test_a_collector_paused_by_the_caller_stays_paused(monkeypatch):
    assert collector_state_while_importing(monkeypatch, [fixture_events()[352]]) == ([False], None)
    assert not gc.isenabled()
