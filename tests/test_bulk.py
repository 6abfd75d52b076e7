"""bulk_insert: rows given as dicts of field values, with the defaults of the fields they leave out;
bulk_update: the fields named set to the values given, row by row."""

import datetime
import uuid

import pytest
from django.db import DataError, connection, transaction
from django.db.models import QuerySet
from psycopg import pq

from config.models import ProgramType
from events.models import Event, InfoURL
from programs.models import Program
from spacedevs.bulk import bulk_delete, bulk_insert, bulk_update
from spacedevs.models import THE_ROW, DataState
from spacedevs.replicas import READS_FROM
from spacestations.models import Spacewalk

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


WALKS = [
    {"id": 1, "name": "EVA 1", "start": CHANGED_AT, "end": None, "duration": None, "location": "Quest"},
    {"id": 2, "name": "EVA 2", "start": None, "end": None, "duration": None, "location": None},
    {"id": 3, "name": "EVA 3", "start": None, "end": None, "duration": None, "location": "Pirs"},
]


def stored_walks():
    return list(Spacewalk.objects.order_by("id").values())


@pytest.mark.django_db
def test_a_bulk_update_sets_the_fields_named_of_the_rows_given():
    bulk_insert(Spacewalk, WALKS)
    hours = datetime.timedelta(hours=6, minutes=30)
    bulk_update(
        Spacewalk,
        [
            WALKS[0] | {"name": "EVA 1 (US)", "start": None, "duration": hours, "location": "unused"},
            WALKS[1] | {"name": "EVA 2 (RS)", "start": CHANGED_AT, "duration": None},
        ],
        ["name", "start", "duration"],
    )
    assert stored_walks() == [
        WALKS[0] | {"name": "EVA 1 (US)", "start": None, "duration": hours},
        WALKS[1] | {"name": "EVA 2 (RS)", "start": CHANGED_AT},
        WALKS[2],
    ]


@pytest.mark.usefixtures("seeded")
def test_a_bulk_update_sets_foreign_keys():
    program = Program.objects.exclude(image=None).first()
    other_type = ProgramType.objects.create(id=999, name="Other")
    row = {"id": program.pk, "type_id": other_type.pk, "image_id": None}
    bulk_update(Program, [row], ["type_id", "image_id"])
    assert Program.objects.values("id", "type_id", "image_id").get(pk=program.pk) == row


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 100])
def test_a_bulk_update_is_one_statement_however_many_rows(count, django_assert_num_queries):
    walks = [{"id": pk, "name": f"EVA {pk}", "duration": None} for pk in range(1, count + 1)]
    bulk_insert(Spacewalk, walks)
    with django_assert_num_queries(1):
        bulk_update(Spacewalk, [walk | {"name": "moved"} for walk in walks], ["name"])
    assert set(Spacewalk.objects.values_list("name", flat=True)) == {"moved"}


@pytest.mark.django_db
def test_nothing_to_update_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        bulk_update(Spacewalk, [], ["name"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps text of any length")
@pytest.mark.django_db
def test_a_bulk_update_refuses_a_value_too_long_rather_than_cutting_it():
    bulk_insert(Spacewalk, WALKS[:1])
    with pytest.raises(DataError), transaction.atomic():
        bulk_update(Spacewalk, [WALKS[0] | {"name": "x" * 256}], ["name"])
    assert stored_walks() == WALKS[:1]


# Text that an array literal built by hand would get wrong: quoting, escapes, separators, NULL's spellings.
AWKWARD_TEXTS = [
    "",
    "NULL",
    "null",
    ' "quoted" ',
    "back\\slash",
    "{braces}",
    "a,b;c",
    "line\nbreak\ttab",
    "é漢字🚀\u2028",
]


@pytest.mark.django_db
def test_a_bulk_update_keeps_text_as_it_is():
    texts = [*AWKWARD_TEXTS, "x" * 255]
    bulk_insert(Spacewalk, [{"id": pk, "name": f"EVA {pk}"} for pk in range(1, len(texts) + 1)])
    bulk_update(Spacewalk, [{"id": pk, "name": text} for pk, text in enumerate(texts, start=1)], ["name"])
    assert list(Spacewalk.objects.order_by("id").values_list("name", flat=True)) == texts
