"""IdQuery: the rows its queryset gives for any ids, in one statement, compiled once on PostgreSQL; several
sent together in one round trip."""

import pytest
from django.db import connection
from django.db.models.functions import Upper
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from events.models import Event, EventAgency
from spacedevs.idquery import IdQuery, run_together

EVENT_COLUMNS = ("id", "name", "date", "duration", "image_id")


def id_choices():
    ids = sorted(Event.objects.values_list("pk", flat=True))
    return [ids[:1], ids[::3], ids, [*ids[:2], 10**9]]


@pytest.fixture
def compilations(monkeypatch):
    count = []
    as_sql = SQLCompiler.as_sql

    def counted(compiler, *args, **kwargs):
        count.append(compiler.query.model)
        return as_sql(compiler, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return count


@pytest.mark.usefixtures("all_fixtures")
def test_dicts_of_values_for_any_ids(compilations):
    query = IdQuery(Event.objects.order_by("pk").values(*EVENT_COLUMNS), "pk")
    choices = id_choices()
    compilations.clear()
    for ids in choices:
        expected = list(Event.objects.filter(pk__in=ids).order_by("pk").values(*EVENT_COLUMNS))
        with CaptureQueriesContext(connection) as captured:
            assert query(ids) == expected
        assert len(captured) == 1
    assert query([]) == []
    compiled_by_query = len(compilations) - len(choices)  # less those of the expected rows
    assert compiled_by_query == (1 if connection.vendor == "postgresql" else len(choices))


@pytest.mark.usefixtures("all_fixtures")
def test_tuples_of_values_list_in_the_querysets_order():
    links = EventAgency.objects.order_by("event_id", "-position").values_list("event_id", "agency_id")
    query = IdQuery(links, "event_id")
    for ids in id_choices():
        assert query(ids) == list(links.filter(event_id__in=ids))
    assert len(query(id_choices()[2])) > 10


@pytest.mark.usefixtures("all_fixtures")
def test_a_query_the_driver_cannot_answer_alone_runs_as_a_queryset():
    names = Event.objects.annotate(shout=Upper("name")).order_by("pk").values("id", "shout")
    query = IdQuery(names, "pk")
    for ids in id_choices():
        assert query(ids) == list(names.filter(pk__in=ids))


def test_only_values_querysets():
    with pytest.raises(TypeError, match="values"):
        IdQuery(Event.objects.all(), "pk")


@pytest.mark.usefixtures("all_fixtures")
def test_queries_run_together_give_what_each_gives_in_one_round_trip():
    events = IdQuery(Event.objects.order_by("pk").values(*EVENT_COLUMNS), "pk")
    links = IdQuery(
        EventAgency.objects.order_by("event_id", "position").values_list("event_id", "agency_id"), "event_id"
    )
    shouting = IdQuery(Event.objects.annotate(shout=Upper("name")).order_by("pk").values("id", "shout"), "pk")
    ids = id_choices()[1]
    calls = [(events, ids), (links, []), (links, ids), (shouting, ids), (events, [10**9])]
    expected = [query(call_ids) for query, call_ids in calls]
    assert expected[2] and expected[3] and not expected[4]
    with CaptureQueriesContext(connection) as captured:
        assert run_together(calls) == expected
    # Those IdQuery compiled go as one command (one entry in the log), the queryset it could not on its own.
    assert len(captured) == (2 if connection.vendor == "postgresql" else 4)
    assert run_together([]) == []
