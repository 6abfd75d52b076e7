"""bulk_insert: rows given as dicts of field values, with the defaults of the fields they leave out."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.models import QuerySet
from psycopg import pq

from events.models import Event, InfoURL
from spacedevs.bulk import bulk_delete, bulk_insert
from spacedevs.models import THE_ROW, DataState
from spacedevs.replicas import READS_FROM

CHANGED_AT = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_fields_left_out_take_their_defaults():
    DataState.objects.all().delete()
    bulk_insert(DataState, [{"id": THE_ROW, "version": 7, "changed_at": CHANGED_AT}])
    state = DataState.objects.values().get()
    epoch = state.pop("epoch")
    assert state == {
        "id": THE_ROW,
        "version": 7,
        "changed_at": CHANGED_AT,
        "previous_changed_at": None,
        "synced_at": None,
        "synced_from": "",
        "served_by": "",
    }
    assert isinstance(epoch, uuid.UUID) and epoch.version == 4  # the callable default, called


@pytest.mark.usefixtures("seeded")
def test_rows_without_a_primary_key_take_it_from_the_database():
    event_id = Event.objects.get().pk
    InfoURL.objects.all().delete()
    rows = [
        {"event_id": event_id, "position": 0, "url": "https://example.com/a", "title": "A"},
        {"event_id": event_id, "position": 1, "url": "https://example.com/b", "type_id": None},
    ]
    bulk_insert(InfoURL, rows)
    stored = list(
        InfoURL.objects.order_by("position").values("event_id", "position", "url", "title", "priority")
    )
    assert stored == [
        {"event_id": event_id, "position": 0, "url": "https://example.com/a", "title": "A", "priority": 0},
        {"event_id": event_id, "position": 1, "url": "https://example.com/b", "title": None, "priority": 0},
    ]
    first, second = InfoURL.objects.order_by("position").values_list("pk", flat=True)
    assert second > first


@pytest.mark.django_db
def test_nothing_to_insert_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        bulk_insert(DataState, [])


@pytest.mark.usefixtures("seeded")
def test_rows_may_come_from_an_iterator():
    event_id = Event.objects.get().pk
    InfoURL.objects.all().delete()
    rows = ({"event_id": event_id, "position": p, "url": f"https://example.com/{p}"} for p in range(3))
    bulk_insert(InfoURL, rows)
    assert list(InfoURL.objects.order_by("position").values_list("position", "url")) == [
        (0, "https://example.com/0"),
        (1, "https://example.com/1"),
        (2, "https://example.com/2"),
    ]


@pytest.mark.django_db
def test_an_empty_iterator_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        bulk_insert(DataState, iter([]))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's COPY")
@pytest.mark.usefixtures("seeded")
def test_each_row_is_made_while_the_database_takes_in_the_ones_before():
    """The rows after the first are asked for once the COPY is under way: a writer renders the next one while
    the database stores those sent."""
    event_id = Event.objects.get().pk
    InfoURL.objects.all().delete()
    states = []

    def rows():
        for position in range(3):
            states.append(connection.connection.pgconn.transaction_status)
            yield {"event_id": event_id, "position": position, "url": f"https://example.com/{position}"}

    bulk_insert(InfoURL, rows())
    assert states == [pq.TransactionStatus.INTRANS, pq.TransactionStatus.ACTIVE, pq.TransactionStatus.ACTIVE]
    assert InfoURL.objects.count() == 3


def test_a_bulk_delete_goes_where_writes_go(monkeypatch, settings):
    # Within a request reading from a replica, as Django's own delete() goes: to the primary.
    settings.DATABASE_ROUTERS = ["spacedevs.replicas.ReplicaRouter"]  # as with DATABASE_REPLICA_URLS
    used = []
    monkeypatch.setattr(QuerySet, "_raw_delete", lambda queryset, using: used.append(using))
    reading = READS_FROM.set("replica_0")
    try:
        bulk_delete(Event.objects.filter(pk__in=[352]))
    finally:
        READS_FROM.reset(reading)
    assert used == ["default"]
