"""The data version goes up with every write to the served data, once per write, in the write's transaction;
the sync's bookkeeping and writes that change nothing leave it alone."""

import select

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from config.models import EventType
from events.models import Event, VidURL
from ingest.errors import IngestError
from ingest.records import ingest_records
from spacedevs.changes import bulk_write, data_models
from spacedevs.models import DataState
from spacedevs.replicas import PRIMARY

from .conftest import PROJECT_APPS, fixture_events, leases_of

pytestmark = pytest.mark.django_db


def version():
    return DataState.current().version


def test_the_served_data_is_every_project_app_but_the_bookkeeping():
    assert {model._meta.app_label for model in data_models()} == set(PROJECT_APPS) - {"spacedevs", "ingest"}
    assert Event in data_models() and DataState not in data_models()


def test_a_new_database_is_at_version_zero_never_synced():
    state = DataState.current()
    assert (state.version, state.changed_at, state.synced_at, state.synced_from) == (0, None, None, "")


def test_an_import_bumps_once_and_only_when_it_changes_something():
    events = list(fixture_events().values())
    ingest_records(events, source="fixtures")
    assert version() == 1
    ingest_records(events, source="fixtures")
    assert version() == 1
    ingest_records([events[0] | {"name": "Renamed"}], source="edit")
    assert version() == 2
    with pytest.raises(IngestError):
        ingest_records([events[1] | {"name": "Renamed too"}, {"id": "bad"}], source="bad")
    assert version() == 2  # rolled back with the import


def test_model_writes_bump_and_bulk_writes_leave_it_to_the_writer(seeded):
    start = version()
    agency = Agency.objects.first()
    agency.save()
    assert version() == start + 1
    assert VidURL.objects.filter(event_id=352).delete()[0] == 2
    assert version() == start + 3
    Event.objects.get(pk=352).agencies.add(Agency.objects.last(), through_defaults={"position": 9})
    assert version() > start + 3
    after = version()
    with bulk_write():
        agency.save()
        Event.objects.get(pk=352).delete()
    assert version() == after


def test_admin_saves_and_deletes_bump(client, django_user_model, seeded):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", None))
    start = version()
    event_type = EventType.objects.get(pk=13)
    response = client.post(reverse("admin:config_eventtype_change", args=[13]), {"id": 13, "name": "Renamed"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert (EventType.objects.get(pk=13).name, version()) == ("Renamed", start + 1)
    assert event_type.name != "Renamed"
    response = client.post(reverse("admin:events_event_delete", args=[352]), {"post": "yes"})
    assert response.status_code == 302
    assert not Event.objects.exists()
    assert version() > start + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lease_seconds", [0, 60], ids=["no lease", "under a lease"])
def test_a_connection_the_database_dropped_is_replaced_by_the_next_request(client, lease_seconds):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server that can drop a connection")
    with leases_of(lease_seconds):
        assert client.get("/2.3.0/events/").status_code == 200
        dropped = connection.connection.info.backend_pid
        other = connection.copy()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
        other.close()
        # Its word that it ends the connection has come in (under a lease, what tells the request to read).
        assert select.select([connection.connection.pgconn.socket], [], [], 10)[0]
        assert client.get("/2.3.0/events/").status_code == 200
    assert connection.connection.info.backend_pid != dropped


def test_a_restored_database_never_gives_again_the_tag_of_a_version_it_lost(seeded):
    backup = DataState.objects.values("version", "changed_at").get()
    Agency.objects.first().save()
    lost = DataState.current().tag
    DataState.objects.update(**backup)  # restored from the backup
    Agency.objects.first().save()
    assert DataState.current().version == int(lost.split("/")[1])
    assert DataState.current().tag != lost


@pytest.mark.django_db(transaction=True)
def test_a_read_the_server_timed_out_is_not_tried_again(monkeypatch):
    """A dropped connection is replaced and the read tried again; a read PostgreSQL cancelled at its
    statement_timeout would only wait as long again (the request's 503 would take twice the deadline)."""
    DataState.current()  # a connection kept
    reads = []

    def cancelled(cls, connection):
        reads.append(1)
        cause = psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
        raise OperationalError(str(cause)) from cause

    monkeypatch.setattr(DataState, "_read", classmethod(cancelled))
    with pytest.raises(OperationalError):
        DataState.read_on(PRIMARY)
    assert len(reads) == 1


def test_a_request_reads_no_column_a_deploy_adds_for_itself(client, seeded):
    # A deploy's workers may answer before its migrate has added `served_by`: no request reads it.
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/2.3.0/events/", HTTP_ACCEPT="application/json").status_code == 200
    assert captured.captured_queries
    assert not any("served_by" in query["sql"] for query in captured.captured_queries)
