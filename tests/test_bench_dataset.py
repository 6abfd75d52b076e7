"""The benchmark's fill (bench/dataset.py): the events it imports, and the CPU their import cost."""

import os

import pytest
from django.db import connection, connections

from bench import dataset
from bench.dataset import SyntheticFill, settle_statistics
from events.models import Event


@pytest.mark.django_db(transaction=True)
def test_a_step_imports_its_events_and_says_what_their_import_cost():
    step = SyntheticFill(250, seed=7).grow_to(150)
    assert (step.size, step.added, step.reimported, Event.objects.count()) == (150, 150, 150, 150)
    assert step.events_per_second > 0
    assert step.importer_cpu_ms_per_100 > 0
    if connection.vendor == "postgresql" and "PGCLUSTER_DIR" in os.environ:  # bin/postgres's cluster
        assert step.database_cpu_ms_per_100 > 0


@pytest.mark.django_db(transaction=True)
def test_postgresql_cpu_is_unknown_for_a_server_whose_processes_it_cannot_see(monkeypatch):
    monkeypatch.delenv("PGCLUSTER_DIR", raising=False)
    step = SyntheticFill(100, seed=7).grow_to(100)
    assert step.database_cpu_ms_per_100 is None
    assert step.importer_cpu_ms_per_100 > 0


@pytest.fixture
def older_snapshot():
    """A cursor on a session holding a snapshot taken now (VACUUM cannot mark the pages of rows written
    after it all-visible while it lasts); `ROLLBACK` on it lets them be."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's visibility map")
    older = connections.create_connection("default")
    try:
        with older.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT 1")
            yield cursor
    finally:
        older.close()


@pytest.mark.django_db(transaction=True)
def test_vacuum_runs_again_until_the_pages_are_all_visible(monkeypatch, older_snapshot):
    pauses = []
    sleep = dataset.time.sleep

    def pause(seconds):  # the older snapshot ends during the first pause
        if not pauses:
            older_snapshot.execute("ROLLBACK")
        pauses.append(seconds)
        sleep(seconds)

    monkeypatch.setattr(dataset.time, "sleep", pause)
    assert SyntheticFill(50, seed=7).grow_to(50).all_visible == 1.0
    # Once more at least; how many more is PostgreSQL's (its WAL writer's, under bin/postgres).
    assert pauses


@pytest.mark.django_db(transaction=True)
def test_a_step_says_how_much_vacuum_left_all_visible(monkeypatch, older_snapshot):
    monkeypatch.setattr(dataset, "SETTLE_ATTEMPTS", 1)
    assert SyntheticFill(50, seed=7).grow_to(50).all_visible < dataset.SETTLED_SHARE


@pytest.mark.django_db(transaction=True)
def test_tables_without_pages_have_none_left_unmarked():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's visibility map")
    assert not Event.objects.exists()
    assert settle_statistics() == 1.0
