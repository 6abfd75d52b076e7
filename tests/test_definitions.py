"""Misconfigured serializers and viewsets fail when they are defined, with a message naming the mistake."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from agencies.models import Agency
from agencies.serializers import AgencyMiniSerializer
from events.models import Event
from events.serializers import EventListSerializer, EventNormalSerializer
from spacedevs.api.serializers import PlannedSerializer
from spacedevs.api.viewsets import ModeViewSet


def define_serializer(**fields):
    meta = type("Meta", (), {"model": Agency, "fields": list(fields)})
    return type("TrialSerializer", (PlannedSerializer,), {**fields, "Meta": meta})


def define_viewset(**attributes):
    return type("TrialViewSet", (ModeViewSet,), {"queryset": Agency.objects.all(), **attributes})


def test_a_field_that_names_no_model_field_is_refused():
    with pytest.raises(
        ImproperlyConfigured, match=r"TrialSerializer.nickname: Agency has no field 'nickname'"
    ):
        define_serializer(nickname=serializers.CharField())


def test_source_is_honoured():
    serializer_class = define_serializer(short_name=serializers.CharField(source="abbrev"))
    assert serializer_class(Agency(id=1, name="National", abbrev="NA")).data == {"short_name": "NA"}
    with pytest.raises(
        ImproperlyConfigured, match=r"TrialSerializer.short_name: Agency has no field 'abrev'"
    ):
        define_serializer(short_name=serializers.CharField(source="abrev"))


def test_a_to_many_relation_nested_as_one_object_is_refused():
    with pytest.raises(ImproperlyConfigured, match=r"'events' is a to-many relation; nest it with many=True"):
        define_serializer(events=EventListSerializer())


def test_a_nested_relation_is_planned_from_its_declaration():
    """A reverse many-to-many has no position of its own: its rows come in their model's order."""
    serializer_class = define_serializer(events=EventNormalSerializer(many=True))
    (events,) = serializer_class.query_plan().prefetch
    assert (events.prefetch_through, events.to_attr) == ("events", "prefetched_events")
    assert events.queryset.model is Event
    assert events.queryset.query.order_by == ("date", "id")


def test_a_default_mode_that_is_not_served_is_refused():
    with pytest.raises(
        ImproperlyConfigured,
        match=r"TrialViewSet: default_list_mode 'normal' is not in serializer_classes; "
        r"default_detail_mode 'detailed' is not in serializer_classes",
    ):
        define_viewset(serializer_classes={"list": AgencyMiniSerializer})


def test_several_modes_need_a_schema_component_name():
    with pytest.raises(ImproperlyConfigured, match="several modes need a polymorphic_component_name"):
        define_viewset(
            serializer_classes={"normal": AgencyMiniSerializer, "detailed": AgencyMiniSerializer},
        )


def test_modes_need_planned_serializers_and_lower_case_names():
    with pytest.raises(ImproperlyConfigured, match="mode 'List' is not lower case"):
        define_viewset(serializer_classes={"List": AgencyMiniSerializer}, default_list_mode="List")
    with pytest.raises(ImproperlyConfigured, match=r"mode 'list' is served by .*not a PlannedSerializer"):
        define_viewset(
            serializer_classes={"list": serializers.Serializer},
            default_list_mode="list",
            default_detail_mode="list",
        )


def test_rows_are_narrowed_where_every_page_reads_them():
    refused = "narrow the rows in get_unplanned_queryset, not get_queryset"
    with pytest.raises(ImproperlyConfigured, match=refused):
        define_viewset(
            serializer_classes={"list": AgencyMiniSerializer},
            default_list_mode="list",
            default_detail_mode="list",
            get_queryset=lambda view: Agency.objects.none(),
        )


def test_a_well_formed_viewset_is_accepted():
    viewset = define_viewset(
        serializer_classes={"list": AgencyMiniSerializer},
        default_list_mode="list",
        default_detail_mode="list",
    )
    assert viewset.lookup_value_regex == "[0-9]+"
