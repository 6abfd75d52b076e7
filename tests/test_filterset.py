"""Each request's FilterSet has filters of its own, copied shallow from its class's (FiltersCopiedShallow)."""

import datetime
from types import SimpleNamespace

from django.http import QueryDict

from events.filters import EventFilterSet, UpcomingEventFilterSet


def test_each_filterset_has_filters_of_its_own_sharing_their_arguments():
    first, second = EventFilterSet(QueryDict()), EventFilterSet(QueryDict())
    for name, filter_ in EventFilterSet.base_filters.items():
        mine, theirs = first.filters[name], second.filters[name]
        assert mine is not filter_ and mine is not theirs
        assert mine.parent is first and theirs.parent is second
        assert not hasattr(filter_, "parent")  # the class's filters belong to no request
        assert mine.extra is filter_.extra  # shallow: arguments, labels and help are not copied per request


def test_a_filter_by_method_calls_the_method_of_its_own_filterset(monkeypatch):
    called = []

    def hide_recent(filterset, queryset, name, value):
        called.append((filterset, name, value))
        return queryset

    monkeypatch.setattr(UpcomingEventFilterSet, "hide_recent", hide_recent)
    filtersets = [UpcomingEventFilterSet(QueryDict("hide_recent_previous=true")) for _ in range(2)]
    for filterset in filtersets:
        assert filterset.is_valid()
        filterset.qs  # noqa: B018 (filters)
    assert called == [(filterset, "hide_recent_previous", True) for filterset in filtersets]


def filterset_of(query, given_fields_only):
    request = SimpleNamespace(ll2_now=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC))
    filterset = UpcomingEventFilterSet(QueryDict(query), request=request)
    filterset.given_fields_only = given_fields_only
    return filterset


def test_a_filtering_form_holds_the_fields_given_and_the_browsable_form_all():
    query = "type__ids=2,8&date__gte=&unknown=1"
    filtering = filterset_of(query, given_fields_only=True)
    assert filtering.is_valid()
    # Given, even empty; and `program` (a <select multiple>, whose widget cannot tell a value left out).
    assert list(filtering.form.fields) == ["date__gte", "program", "type__ids"]
    assert filtering.form.cleaned_data == {"date__gte": None, "program": [], "type__ids": [2, 8]}
    assert list(filterset_of(query, given_fields_only=False).form.fields) == list(
        UpcomingEventFilterSet.base_filters
    )


def test_a_filtering_form_filters_as_the_whole_form_does():
    query = "type__ids=2,8&date__gte=2020-01-01T00:00:00Z&hide_recent_previous=true"
    filtered = [str(filterset_of(query, given).qs.query) for given in (True, False)]
    assert filtered[0] == filtered[1]
    errors = [list(filterset_of("year=99999&type__ids=x", given).errors.items()) for given in (True, False)]
    # In the form's order, not the query's.
    assert errors[0] == errors[1] and [name for name, _ in errors[0]] == ["type__ids", "year"]
