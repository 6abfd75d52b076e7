"""The benchmark's fill (bench/dataset.py): the events it imports, and the CPU their import cost."""

import os

import pytest
from django.db import connection

from bench.dataset import SyntheticFill
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
