"""Each request's FilterSet has filters of its own, copied shallow from its class's (FiltersCopiedShallow)."""

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
