"""bulk_insert: rows given as dicts of field values, with the defaults of the fields they leave out."""

import datetime
import uuid

import pytest

from events.models import Event, InfoURL
from spacedevs.bulk import bulk_insert
from spacedevs.models import THE_ROW, DataState

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
