"""A nested object shared by many rows is rendered once per serializer (a request's page, a batch of stored
documents), and no row can change another."""

import copy
import json

import pytest
from rest_framework.renderers import JSONRenderer

from events.models import Event
from events.serializers import EventDetailedSerializer
from spacedevs.api.queryplan import plan_of

pytestmark = pytest.mark.usefixtures("all_fixtures")
NASA = 44  # the agency most fixture events share
NASA_NAME = "National Aeronautics and Space Administration"


def rows_with_nasa():
    events = plan_of(EventDetailedSerializer).apply(Event.objects.filter(agencies=NASA))[:5]
    rows = EventDetailedSerializer(events, many=True).data
    assert len(rows) == 5
    return rows


def nasa_in(row):
    return next(agency for agency in row["agencies"] if agency["id"] == NASA)


def test_a_shared_nested_object_is_rendered_once_and_cannot_be_edited():
    rows = rows_with_nasa()
    first, second = nasa_in(rows[0]), nasa_in(rows[1])
    assert first is second  # rendered once for the whole page
    before = JSONRenderer().render(rows)
    with pytest.raises(TypeError, match="shared between rows; copy it to change it"):
        first["name"] = "Renamed"
    with pytest.raises(TypeError):
        first["type"].update(name="Private")
    with pytest.raises(TypeError):
        rows[0]["program"][0]["agencies"].append({"id": 1})
    assert JSONRenderer().render(rows) == before
    assert json.loads(before)[1]["agencies"][0]["name"] == NASA_NAME


def test_top_level_rows_and_their_lists_are_the_callers_own():
    rows = rows_with_nasa()
    rows[0]["name"] = "Edited"
    rows[0]["agencies"].clear()
    assert rows[1]["name"] != "Edited"
    assert nasa_in(rows[1])["id"] == NASA
    assert rows[0] is not rows[1]


def test_a_copy_of_a_shared_object_is_editable_and_changes_nothing_else():
    rows = rows_with_nasa()
    edited = nasa_in(rows[0]).copy()
    edited["name"] = "Renamed"
    assert nasa_in(rows[1])["name"] == NASA_NAME
    deep = copy.deepcopy(rows)
    assert deep == rows
    assert json.loads(JSONRenderer().render(deep)) == json.loads(JSONRenderer().render(rows))
