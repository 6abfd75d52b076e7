"""Query plans are derived from the serializers; an instance that skipped the plan still renders the same."""

import json

import pytest
from django.db.models import Prefetch

from events.models import Event
from events.serializers import EventDetailedSerializer, EventListSerializer
from programs.serializers import ProgramNormalSerializer
from spacedevs.api.queryplan import plan_of

from .test_api_seed import assert_same_json


def prefetches(plan):
    return {
        lookup.prefetch_through: (lookup.to_attr, lookup.queryset.query.order_by)
        for lookup in plan.prefetch
        if isinstance(lookup, Prefetch)
    }


def test_foreign_keys_are_joined_and_to_many_relations_prefetched_in_position_order():
    plan = plan_of(EventDetailedSerializer)
    assert plan.select == ("image", "image__license", "type", "date_precision")
    assert prefetches(plan) == {
        "info_urls": ("prefetched_info_urls", ("position",)),
        "vid_urls": ("prefetched_vid_urls", ("position",)),
        "image__variants": ("prefetched_variants", ("position",)),
        "updates": ("prefetched_updates", ("position",)),
        "agencies": ("prefetched_agencies", ("eventagency__position",)),
        "launches": ("prefetched_launches", ("eventlaunch__position",)),
        "expeditions": ("prefetched_expeditions", ("eventexpedition__position",)),
        "spacestations": ("prefetched_spacestations", ("eventspacestation__position",)),
        "program": ("prefetched_program", ("eventprogram__position",)),
        "astronauts": ("prefetched_astronauts", ("eventastronaut__position",)),
    }


def test_a_mode_plans_only_what_it_renders():
    assert set(prefetches(plan_of(EventListSerializer))) == {"info_urls", "vid_urls", "image__variants"}
    program = plan_of(ProgramNormalSerializer)
    assert program.select == ("image", "image__license", "type")
    assert set(prefetches(program)) == {"image__variants", "agencies", "mission_patches"}


@pytest.mark.usefixtures("all_fixtures")
@pytest.mark.parametrize("event_id", [352, 128, 480])
def test_a_serializer_in_the_shell_renders_what_the_api_serves(client, event_id):
    """No plan, no request: the same document, with paths where the API has absolute URLs."""
    shell = EventDetailedSerializer(Event.objects.get(pk=event_id)).data
    api = client.get(f"/2.3.0/events/{event_id}/", HTTP_ACCEPT="application/json").json()
    assert shell["url"] == f"/2.3.0/events/{event_id}/"
    assert_same_json(json.loads(json.dumps(shell)), api)


@pytest.mark.usefixtures("all_fixtures")
def test_to_many_lists_keep_their_order_without_the_plan():
    """Event 334 lists its agencies and the seed its updates out of id order: the fallback keeps LL2's."""
    agencies = EventDetailedSerializer(Event.objects.get(pk=334)).data["agencies"]
    assert [agency["id"] for agency in agencies] == [121, 44]
    updates = EventDetailedSerializer(Event.objects.get(pk=352)).data["updates"]
    assert [update["id"] for update in updates] == [13611, 14184, 14005, 13844]
