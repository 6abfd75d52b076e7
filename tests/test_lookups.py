"""`any_of`: the rows `in` gives, in one statement whatever the number of values."""

import pytest
from django.db import connection

from events.models import Event, EventDocument

from .conftest import fixture_events


@pytest.mark.usefixtures("all_fixtures")
@pytest.mark.parametrize(("queryset", "column"), [(Event.objects, "id"), (EventDocument.objects, "event_id")])
def test_any_of_matches_what_in_matches(queryset, column):
    wanted = [*sorted(fixture_events())[:3], 999_999]
    found = queryset.filter(**{f"{column}__any_of": wanted}).values_list(column, flat=True)
    assert sorted(found) == sorted(
        queryset.filter(**{f"{column}__in": wanted}).values_list(column, flat=True)
    )
    assert sorted(found) == wanted[:3]
    assert not queryset.filter(**{f"{column}__any_of": []}).exists()


def test_any_of_is_one_parameter_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("other databases get IN (…)")
    sql, params = Event.objects.filter(id__any_of=range(100)).query.sql_with_params()
    assert 'WHERE "events_event"."id" = ANY(%s) ORDER BY' in sql
    assert [list(params[0])] == [list(range(100))]
