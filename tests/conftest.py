import copy
import datetime
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from bench import generate_events
from ingest.records import ingest_records

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEED = FIXTURES / "seed-event-352.json"
PROJECT_APPS = ("config", "agencies", "astronauts", "programs", "spacestations", "launches", "events")


def fixture_files():
    return sorted(FIXTURES.glob("*.json"))


def fixture_events():
    """Every event in fixtures/, as LL2 JSON, keyed by id."""
    events = {}
    for path in fixture_files():
        document = json.loads(path.read_text())
        for event in document if isinstance(document, list) else [document]:
            events[event["id"]] = event
    return events


def snapshot_tables():
    """Every row of every project table, to tell whether anything at all changed."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }


@pytest.fixture
def import_ll2(capsys):
    """Run `import_ll2` on paths and return what it printed."""

    def run(*paths):
        call_command("import_ll2", *map(str, paths))
        return capsys.readouterr().out

    return run


@pytest.fixture
def seeded(db, import_ll2):
    import_ll2(SEED)


@pytest.fixture
def all_fixtures(db, import_ll2):
    import_ll2(*fixture_files())


@pytest.fixture(scope="session")
def generator():
    return generate_events


@pytest.fixture
def generated(db, generator):
    """400 synthetic events (ids 1…400) from the benchmark generator, and two events with every relation
    filled that come first on every route: 9001 (the earliest) and 9002 (an hour ago)."""
    events = copy.deepcopy(list(generator.generate_events(400, seed=11, start_id=1)))
    an_hour_ago = (timezone.now() - datetime.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    events += [rich_event(events, 9001, "1990-01-01T00:00:00Z"), rich_event(events, 9002, an_hour_ago)]
    ingest_records(events, source="generated")
    return events


def _filled(value):
    """How much of `value` is filled in: the number of non-null, non-empty leaves."""
    if isinstance(value, dict):
        return sum(_filled(item) for item in value.values())
    if isinstance(value, list):
        return sum(_filled(item) for item in value)
    return value not in (None, "")


def rich_event(events, event_id, date):
    """An event with every list and nested object filled, assembled from the fullest parts of `events`
    (the generator's pool keeps each nested id identical, so the parts stay consistent)."""
    event = copy.deepcopy(max(events, key=_filled))
    for key in event:
        event[key] = copy.deepcopy(max((other[key] for other in events), key=_filled))
    event["updates"] = [update | {"id": event_id * 100 + n} for n, update in enumerate(event["updates"])]
    return event | {"id": event_id, "slug": f"rich-event-{event_id}", "date": date}
