import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

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
