"""Stored documents rendered by the compiled serializers are DRF's own, byte for byte, and a serializer the
compiler does not know is rendered by DRF."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext, override_script_prefix
from django.urls import get_script_prefix
from django.utils import timezone
from rest_framework import serializers

from config.models import Image, ImageVariantType
from events.models import Event, EventAgency, VidURL
from events.serializers import EVENT_MODES, EventListSerializer
from spacedevs.api import rowset
from spacedevs.api.compiled import Link, NotCompilable, compiled
from spacedevs.api.queryplan import plan_of
from spacedevs.api.rowset import ReadPlan, RowSet
from spacedevs.api.stored import render_stored, stored_renderings


def render_stored_modes(serializer_classes, queryset):
    """{mode: {pk: document}} from stored_renderings."""
    documents = {mode: {} for mode in serializer_classes}
    for pk, rendered in stored_renderings(serializer_classes, queryset):
        for mode, document in rendered.items():
            documents[mode][pk] = document
    return documents


def rendered_by_drf(serializer_classes, queryset):
    return {
        mode: render_stored(serializer_class, plan_of(serializer_class).apply(queryset))
        for mode, serializer_class in serializer_classes.items()
    }


def assert_compiled_is_drf(queryset):
    for serializer_class in EVENT_MODES.values():
        compiled(serializer_class)  # the documents below are not DRF's fallback
    documents = render_stored_modes(EVENT_MODES, queryset)
    assert documents == rendered_by_drf(EVENT_MODES, queryset)
    assert documents["detailed"].keys() == set(queryset.values_list("pk", flat=True))


@pytest.mark.usefixtures("all_fixtures")
def test_every_fixture_event_in_every_mode():
    assert_compiled_is_drf(Event.objects.all())


@pytest.mark.usefixtures("generated")
def test_generated_events_with_their_nulls_and_empty_lists():
    events = Event.objects.all()
    assert events.filter(image=None).exists() and events.filter(duration=None).exists()
    assert events.filter(agencies=None).exists() and events.filter(vid_urls=None).exists()
    assert VidURL.objects.filter(Q(start_time=None) | Q(publisher=None)).exists()
    assert_compiled_is_drf(events)


@pytest.mark.usefixtures("all_fixtures")
def test_a_row_emptied_of_everything_that_may_be_empty():
    event = Event.objects.filter(agencies__isnull=False, image__isnull=False).first()
    Event.objects.filter(pk=event.pk).update(image=None, date_precision=None, duration=None, location=None)
    EventAgency.objects.filter(event=event).delete()
    VidURL.objects.filter(event=event).delete()
    Image.objects.filter(variants__isnull=False).first().variants.all().delete()
    others = Event.objects.values_list("pk", flat=True)[:20]
    assert_compiled_is_drf(Event.objects.filter(pk__in=[event.pk, *others]))


def seed_list_document():
    return render_stored_modes(EVENT_MODES, Event.objects.all())["list"][352]


@pytest.mark.usefixtures("seeded")
def test_date_times_in_the_current_time_zone_as_drf_gives_them():
    moment = datetime.datetime(2026, 3, 6, 17, 5, 0, 250000, tzinfo=datetime.UTC)
    Event.objects.filter(pk=352).update(date=moment)
    with timezone.override("Asia/Kolkata"):
        assert_compiled_is_drf(Event.objects.all())
        in_kolkata = seed_list_document()
    assert '"date":"2026-03-06T22:35:00.250000+05:30"' in in_kolkata
    assert '"date":"2026-03-06T17:05:00.250000Z"' in seed_list_document()


@pytest.mark.usefixtures("seeded")
def test_links_are_paths_from_the_root_under_any_script_prefix():
    """A document written while a request under /mirror set the script prefix (an admin save) is served to
    requests under other prefixes too: its links hold none, and serving puts the request's in front."""
    with override_script_prefix("/mirror/"):
        assert_compiled_is_drf(Event.objects.all())
        under_mirror = seed_list_document()
        assert get_script_prefix() == "/mirror/"  # the writing request's, restored
    assert '"url":"\\u0000/2.3.0/events/352/"' in under_mirror
    assert under_mirror == seed_list_document()


@pytest.mark.usefixtures("seeded")
def test_an_empty_batch():
    assert list(stored_renderings(EVENT_MODES, Event.objects.none())) == []


@pytest.mark.usefixtures("seeded")
def test_rows_are_read_by_pk_without_joins():
    """Rows are found by pk: an update's default ordering (by its event's date) would join and sort."""
    with CaptureQueriesContext(connection) as captured:
        render_stored_modes(EVENT_MODES, Event.objects.all())
    reads = [query["sql"] for query in captured]
    assert any('FROM "events_update"' in sql for sql in reads)
    assert [sql for sql in reads if " JOIN " in sql] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statements sent together")
@pytest.mark.usefixtures("generated")
def test_the_rows_are_read_in_a_round_trip_per_step_from_the_events():
    forms = tuple(compiled(serializer_class) for serializer_class in EVENT_MODES.values())
    with CaptureQueriesContext(connection) as captured:
        rows = RowSet.read(forms, Event.objects.all())
    assert rows.rows[ImageVariantType]  # at the end of the longest chain
    # The events; their lists (and types); the launches, updates, programs… they list; the launches' statuses,
    # the programs' mission patches…; the patches' images, the agencies; the images' variants; their types.
    assert len(captured) == 7


def test_a_cycle_of_models_is_read_a_model_at_a_time():
    # As a serializer showing its own model, nested (none does yet): neither model is read before the other.
    plan = ReadPlan(
        columns={},
        queries={},
        references={},
        relations={},
        reaches={"A": {"A", "B"}, "B": {"A", "B"}, "C": set()},
        order=("A", "B", "C"),
        links=(),
    )
    pending = {"A": {1}, "B": {2}, "C": {3}}
    rows = RowSet(plan, link_prefix="")
    assert rows._step(pending, listed={}) == {"C": {3}}
    assert rows._step(pending, listed={}) == {"A": {1}}
    assert rows._step(pending, listed={}) == {"B": {2}}
    assert rows._step(pending, listed={}) == {}


class Rows:
    """A query's stand-in, over `rows` found by their item `key`: run as a queryset would be."""

    def __init__(self, rows, key):
        self.rows, self.key = rows, key

    def _bound(self, ids):
        return None

    def _filtered(self, ids):
        return [row for row in self.rows if row[self.key] in ids]


def test_the_lists_of_rows_whose_own_model_is_nested_in_them_are_read(monkeypatch):
    # As a serializer showing its own model nested (an event's parent event; none does yet): the roots'
    # lists are read in the step that reads their parents, and theirs with them.
    events, links = type("Events", (), {}), type("Links", (), {})
    for model in (events, links):
        model._meta = SimpleNamespace(pk=SimpleNamespace(attname="id"))
    listed = type("Listed", (), {"query": Rows([(1, 10), (2, 20)], 0)})()  # a to-many relation
    plan = ReadPlan(
        columns={events: ("id", "parent_id"), links: ("id",)},
        queries={events: Rows([{"id": 1, "parent_id": 2}, {"id": 2, "parent_id": None}], "id")},
        references={events: {("parent_id", events)}},
        relations={events: {(listed, links)}},
        reaches={events: {events, links}, links: set()},
        order=(events, links),
        links=(),
    )
    plan.queries[links] = Rows([{"id": 10}, {"id": 20}], "id")
    monkeypatch.setattr(rowset, "read_plan", lambda roots: plan)
    rows = RowSet.read((), SimpleNamespace(model=events, values=lambda *columns: [{"id": 1, "parent_id": 2}]))
    assert set(rows.rows[events]) == {1, 2} and set(rows.rows[links]) == {10, 20}
    assert (list(rows.members(listed, 1)), list(rows.members(listed, 2))) == ([10], [20])


class ShoutingSerializer(EventListSerializer):
    name = serializers.SerializerMethodField()

    def get_name(self, event):
        return event.name.upper()


class ReversedSerializer(EventListSerializer):
    def to_representation(self, instance):
        return dict(reversed(super().to_representation(instance).items()))


@pytest.mark.parametrize(
    ("serializer_class", "refusal"),
    [
        (ShoutingSerializer, "ShoutingSerializer.name: SerializerMethodField"),
        (ReversedSerializer, "ReversedSerializer has its own to_representation"),
    ],
)
@pytest.mark.usefixtures("seeded")
def test_what_the_compiler_does_not_know_is_rendered_by_drf(serializer_class, refusal):
    with pytest.raises(NotCompilable, match=refusal):
        compiled(serializer_class)
    modes = {"list": serializer_class}
    documents = render_stored_modes(modes, Event.objects.all())
    assert documents == rendered_by_drf(modes, Event.objects.all())
    assert documents["list"][352] != render_stored_modes(EVENT_MODES, Event.objects.all())["list"][352]


@pytest.mark.parametrize("modes", [EVENT_MODES, {"list": ShoutingSerializer}], ids=["compiled", "by DRF"])
@pytest.mark.usefixtures("all_fixtures")
def test_every_query_is_made_before_the_documents_are_rendered(modes):
    """A writer sends each row's documents to the database as they are rendered (a COPY under way, in which
    the connection can run no other query)."""
    with CaptureQueriesContext(connection) as reading:
        renderings = stored_renderings(modes, Event.objects.all())
    with CaptureQueriesContext(connection) as rendering:
        rendered = dict(renderings)
    assert len(reading) > 0
    assert len(rendering) == 0
    assert rendered.keys() == set(Event.objects.values_list("pk", flat=True))


@pytest.mark.usefixtures("all_fixtures")
def test_compiled_documents_are_not_looked_through_for_values_unlike_json(monkeypatch):
    """A compiled form gives plain JSON data only (compiled.VALUE_FIELDS): the renderer's look for floats
    and enum members, a fifth of a document's rendering, is skipped."""
    expected = render_stored_modes(EVENT_MODES, Event.objects.all())

    def looked_through(data):
        raise AssertionError("a compiled document was looked through")

    monkeypatch.setattr("spacedevs.api.renderers._unlike_json", looked_through)
    assert render_stored_modes(EVENT_MODES, Event.objects.all()) == expected


@pytest.mark.usefixtures("seeded")
def test_a_link_the_compiled_forms_cannot_fill_in_sends_the_rendering_to_drf_before_any_document(monkeypatch):
    """Found once the rows are read, not at the first row showing the link, in the middle of a COPY."""

    def no_single_place_for_the_pk(link):
        raise NotCompilable(f"{link.field.view_name}: no single place for the pk")

    monkeypatch.setattr(Link, "template", no_single_place_for_the_pk)
    assert render_stored_modes(EVENT_MODES, Event.objects.all()) == rendered_by_drf(
        EVENT_MODES, Event.objects.all()
    )
