"""Bad input is a 400 with a JSON body naming the parameter; unknown parameters are ignored."""

import pytest
from django.http import QueryDict

from events.filters import EventFilterSet
from events.models import Event

pytestmark = pytest.mark.usefixtures("seeded")

ROUTES = ["/2.3.0/events/", "/2.3.0/events/upcoming/", "/2.3.0/events/previous/"]
ID_LISTS = ["agency__ids", "expedition__ids", "id", "program__ids", "spacestation__ids", "type__ids"]
NUMBER_LISTS = ["day", "month", "year"]
DATES = ["date__gt", "date__gte", "date__lt", "date__lte", "last_updated__gte", "last_updated__lte"]
TEXTS = ["slug", "search", "video_url"]
ALL = [
    *ID_LISTS,
    *NUMBER_LISTS,
    *DATES,
    *TEXTS,
    "launch__ids",
    "program",
    "type",
    "ordering",
    "limit",
    "offset",
    "mode",
]
OVERSIZED = "x" * 1_048_576


def bad_request(client, route, query):
    response = client.get(f"{route}?{query}", HTTP_ACCEPT="application/json")
    assert response.status_code == 400, (route, query[:80])
    assert response["Content-Type"] == "application/json", (route, query[:80])
    return response.json()


def cases():
    for name in [*ID_LISTS, "type"]:
        for value in ("abc", "-1", "1.5", "2147483648", "1e3"):
            yield name, value
    for name in [*ID_LISTS, *NUMBER_LISTS]:
        yield name, "1,,2"
        yield name, ",".join(["1"] * 1001)
    yield "launch__ids", ",".join(["8c2412ae-fbef-443f-aae8-db538f38eec6"] * 1001)
    for name, low, high in (("day", "0", "32"), ("month", "0", "13"), ("year", "0", "10000")):
        yield from ((name, low), (name, high), (name, "x"), (name, "1,x"))
    for name in DATES:
        yield from ((name, "2025-13-01"), (name, "yesterday"), (name, "2025-01-01T25:00:00Z"))
    yield from (("launch__ids", "not-a-uuid"), ("launch__ids", "8c2412ae-fbef-443f-aae8-db538f38eec6,x"))
    yield from (("program", "abc"), ("program", "999"), ("program", "17,27"), ("program", "-5"))
    yield from (("program", "99999999999999999999"), ("video_url", ",".join(["u"] * 1001)))
    yield from (("ordering", "name"), ("ordering", "date,nope"), ("ordering", "-id,"), ("mode", "full"))
    yield from (("limit", "abc"), ("limit", "-1"), ("limit", "0"), ("offset", "-1"), ("offset", "ten"))
    yield ("offset", "99999999999999999999")
    yield from (("ordering", "date,-date"), ("ordering", ",".join(["date"] * 3000)), ("search", "a " * 4000))
    yield ("program", "17&program=" * 1000 + "17")


# Each case on every route (one test for the three: a test's own set-up takes longer than a request).
@pytest.mark.parametrize(("name", "value"), list(cases()))
def test_bad_values_name_their_parameter(client, name, value):
    for route in ROUTES:
        body = bad_request(client, route, f"{name}={value}")
        assert list(body) == [name], route
        assert all(isinstance(message, str) and message for message in body[name]), route


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("type=-1", {"type": ["Ensure this value is greater than or equal to 0."]}),
        ("agency__ids=2,-1", {"agency__ids": ["Ensure this value is greater than or equal to 0."]}),
        ("program=-5", {"program": ["Ensure this value is greater than or equal to 0."]}),
        ("day=-1", {"day": ["Ensure this value is greater than or equal to 1."]}),
        ("year=-" + "9" * 5000, {"year": ["Ensure this value is greater than or equal to 1."]}),
        ("limit=-1", {"limit": ["Ensure this value is at least 1."]}),
        ("offset=-3", {"offset": ["Ensure this value is between 0 and 2147483647."]}),
        ("id=--1", {"id": ["Enter a whole number."]}),
        ("id=-", {"id": ["Enter a whole number."]}),
        ("offset=-", {"offset": ["A whole number is required."]}),
    ],
)
def test_a_number_below_zero_is_refused_by_its_least_value(client, query, body):
    # A whole number all the same: the message says what bound it passed, not that it is no number.
    for route in ROUTES:
        assert bad_request(client, route, query) == body, route


@pytest.mark.usefixtures("all_fixtures")
@pytest.mark.parametrize("value", ["017", "-0"])
def test_a_program_id_is_a_choice_compared_as_written_as_in_ll2(client, value):
    # django-filter's ModelMultipleChoiceField, as LL2 has it: 17 is found, but "017" is not its text.
    body = bad_request(client, "/2.3.0/events/", f"program={value}")
    assert body == {"program": [f"Select a valid choice. {value} is not one of the available choices."]}


@pytest.mark.usefixtures("all_fixtures")
def test_of_several_programs_that_are_none_the_first_given_is_named(client):
    # Whatever the process's hash seed: this one's first of the ids in a set is not the first given, nor is
    # the smallest (given from the largest down).
    unknown = [str(number) for number in range(9019, 8999, -1)]
    first_in_a_set = next(iter(frozenset(unknown)))
    unknown.remove(first_in_a_set)
    given = [unknown[0], first_in_a_set, *unknown[1:], "17"]
    body = bad_request(client, "/2.3.0/events/", "&".join(f"program={number}" for number in given))
    assert body == {"program": [f"Select a valid choice. {given[0]} is not one of the available choices."]}


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("a%00b", "Null characters are not allowed."),
        ("%zz", "Broken percent-encoding: not valid UTF-8 escapes."),
        ("%ff%fe", "Broken percent-encoding: not valid UTF-8 escapes."),
        ("x" * 8_001, "Ensure this value has at most 8000 characters (it has 8001)."),
    ],
)
def test_unsafe_raw_values_are_refused_for_every_parameter(client, name, raw, message):
    for route in ROUTES:
        assert bad_request(client, route, f"{name}={raw}") == {name: [message]}, route


def test_unsafe_raw_values_are_named_in_the_querys_order(client):
    nul = "Null characters are not allowed."
    for query in ("mode=%00&type=%00&search=%00&limit=%00", "limit=%00&search=%00&type=%00&mode=%00"):
        names = [pair.partition("=")[0] for pair in query.split("&")]
        body = bad_request(client, "/2.3.0/events/", query)
        assert list(body.items()) == [(name, [nul]) for name in names]


@pytest.mark.parametrize("name", ["search", "agency__ids", "date__gte"])
def test_a_megabyte_value_is_refused_as_a_slightly_long_one(client, name):
    for route in ROUTES:
        body = bad_request(client, route, f"{name}={OVERSIZED}")
        assert body == {name: ["Ensure this value has at most 8000 characters (it has 1048576)."]}, route


@pytest.mark.parametrize("value", ["%20true", "TRUE%20", "%201"])
def test_a_boolean_may_have_spaces_around_it(client, value):
    response = client.get(
        f"/2.3.0/events/upcoming/?hide_recent_previous={value}", HTTP_ACCEPT="application/json"
    )
    plain = client.get("/2.3.0/events/upcoming/?hide_recent_previous=true", HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()["results"]) == (200, plain.json()["results"])


@pytest.mark.parametrize(
    "query", ["id=352,%20101", "id=%20352%20", "type=13%20", "day=%206", "agency__ids=9,%0937", "limit=%201"]
)
def test_a_whole_number_may_have_spaces_around_it(client, query):
    # As LL2's fields read it: a list joined with ", " is the list.
    response = client.get(f"/2.3.0/events/?{query}", HTTP_ACCEPT="application/json")
    assert (response.status_code, ids(response)) == (200, [352])


@pytest.mark.parametrize("query", ["type=%20", "limit=%20", "offset=%20%20", "day=1,%20"])
def test_spaces_alone_are_no_whole_number(client, query):
    name = query.partition("=")[0]
    assert list(bad_request(client, "/2.3.0/events/", query)) == [name]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("slug=%20", "Enter a value, not spaces alone."),
        ("slug=%09%20", "Enter a value, not spaces alone."),
        ("ordering=%20", "Enter ordering fields without empty items."),
    ],
)
def test_spaces_alone_are_no_text_either(client, query, error):
    # Cut to nothing, they were left out: every event, in the default order.
    name = query.partition("=")[0]
    assert bad_request(client, "/2.3.0/events/", query) == {name: [error]}


def test_a_slug_may_have_spaces_around_it(client):
    response = client.get("/2.3.0/events/?slug=%20htv-x1-release-reentry%20", HTTP_ACCEPT="application/json")
    assert (response.status_code, ids(response)) == (200, [352])


def test_a_list_item_of_spaces_alone_is_an_empty_one(client):
    body = bad_request(client, "/2.3.0/events/", "video_url=a,%20%20")
    assert body == {"video_url": ["Enter comma-separated values without empty items."]}


@pytest.mark.parametrize("value", ["yes", "2", "truthy", "on"])
def test_booleans_are_strict(client, value):
    body = bad_request(client, "/2.3.0/events/upcoming/", f"hide_recent_previous={value}")
    assert body == {"hide_recent_previous": ["Enter true, false, 1 or 0."]}


def test_each_bad_parameter_is_reported(client):
    body = bad_request(client, "/2.3.0/events/", "day=32&month=13&id=x&type__ids=1")
    assert sorted(body) == ["day", "id", "month"]


# A bad value for each of the view's checks, in the order the view makes them: the format, a raw value, an
# earlier value of a repeated parameter, the mode, a filter, the search, the ordering, the page.
EVERY_STAGE = {
    "format": ("xml", "'xml' is not a valid format; valid formats are: json, api, ics."),
    "slug": ("%00", "Null characters are not allowed."),
    "type": ("abc&type=1", "Enter a whole number."),
    "mode": ("full", "'full' is not a valid mode; valid modes are: list, normal, detailed."),
    "day": ("32", "Ensure this value is less than or equal to 31."),
    "search": ("a+" * 21, "Enter at most 20 search terms (got 21)."),
    "ordering": ("name", "Unknown ordering field(s): name. Valid: date, -date, last_updated, -last_updated."),
    "limit": ("x", "A whole number is required."),
    "offset": ("-1", "Ensure this value is between 0 and 2147483647."),
}


@pytest.mark.parametrize("order", ["as-checked", "reversed"])
def test_every_bad_parameter_is_named_in_the_querys_order_whichever_check_finds_it(client, order):
    """The checks stop at the first that refuses a parameter; the others are named too, each checked alone."""
    names = list(EVERY_STAGE) if order == "as-checked" else list(reversed(EVERY_STAGE))
    query = "&".join(f"{name}={EVERY_STAGE[name][0]}" for name in names) + "&unknown=%00"
    for route in ROUTES:
        body = bad_request(client, route, query)
        assert list(body.items()) == [(name, [EVERY_STAGE[name][1]]) for name in names], route
    # An event's route reads no page: its limit and offset are left unread, as when they are alone.
    body = bad_request(client, "/2.3.0/events/352/", query)
    assert list(body) == [name for name in names if name not in ("limit", "offset")]
    # An `Accept` no renderer answers is no reason to leave the others unchecked: the format decides.
    response = client.get(f"/2.3.0/events/?{query}", HTTP_ACCEPT="text/csv")
    assert (response.status_code, list(response.json())) == (400, names)


def test_good_parameters_beside_a_bad_one_are_not_named(client):
    body = bad_request(client, "/2.3.0/events/", "limit=5&mode=list&ordering=-date&day=40&search=a&type=1")
    assert body == {"day": ["Ensure this value is less than or equal to 31."]}


@pytest.mark.parametrize(
    "query",
    [
        "unknown=%00",
        # Past the 8,000 characters a known parameter's value may have, and within what a page's links can
        # repeat (spacedevs/api/pagination.py).
        "unknown=" + OVERSIZED[:8_001],
        "hide_recent_previous=maybe",
        "utm_source=x&fbclid=%zz",
        "mode=list&limit=5&unknown=1",
    ],
)
def test_unknown_parameters_are_ignored(client, query):
    response = client.get(f"/2.3.0/events/?{query}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_messages_say_what_is_wrong(client):
    assert bad_request(client, "/2.3.0/events/", "day=32") == {
        "day": ["Ensure this value is less than or equal to 31."]
    }
    assert bad_request(client, "/2.3.0/events/", "id=" + ",".join(["1"] * 1001)) == {
        "id": ["Enter at most 1000 comma-separated values (got 1001)."]
    }
    assert bad_request(client, "/2.3.0/events/", "ordering=name") == {
        "ordering": ["Unknown ordering field(s): name. Valid: date, -date, last_updated, -last_updated."]
    }
    assert bad_request(client, "/2.3.0/events/", "limit=0") == {"limit": ["Ensure this value is at least 1."]}
    assert bad_request(client, "/2.3.0/events/", "program=999") == {
        "program": ["Select a valid choice. 999 is not one of the available choices."]
    }


@pytest.mark.parametrize(
    "query", ["program=", "program=17&program=", "type=", "id=", "search=", "ordering=", "limit="]
)
def test_empty_values_mean_no_filter(client, query):
    response = client.get(f"/2.3.0/events/?{query}", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("date__gt=9999-12-31T23:59:59-01:00", "date__gt"),
        ("date__lte=0001-01-01T00:00:00%2B01:00", "date__lte"),
        ("last_updated__gte=9999-12-31T23:00:00-05:00", "last_updated__gte"),
        ("limit=1_0", "limit"),
        ("limit=%EF%BC%93", "limit"),
        ("offset=%2B5", "offset"),
        ("type=1.0", "type"),
        ("id=%2B1", "id"),
        ("program=1.0", "program"),
        ("ordering=date,", "ordering"),
    ],
)
def test_edge_values_are_400s_not_500s(client, query, name):
    assert list(bad_request(client, "/2.3.0/events/", query)) == [name]


@pytest.mark.parametrize("raw", ["a%00b", "%zz", "%ff%fe", "x" * 1_048_576])
def test_unsafe_raw_values_are_refused_for_hide_recent_previous(client, raw):
    body = bad_request(client, "/2.3.0/events/upcoming/", f"hide_recent_previous={raw}")
    assert list(body) == ["hide_recent_previous"]


# At the bound: 1,000 items of a comma list or of a repeated parameter, 20 search terms.
@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("id=" + ",".join(["352"] * 1000), 1),
        ("video_url=" + ",".join(["u"] * 1000), 0),
        ("search=" + "+".join(["HTV"] * 20), 1),
    ],
    ids=["id", "video_url", "search"],
)
def test_values_at_their_bounds_are_accepted(client, query, count):
    for route in ROUTES[::2]:  # /events/ and /previous/, where the seed event is
        response = client.get(f"{route}?{query}", HTTP_ACCEPT="application/json")
        assert (response.status_code, response.json()["count"]) == (200, count), route


def test_a_thousand_repeated_ids_are_taken_and_one_more_refused():
    # A thousand `program=17&` are longer than a request line: the FilterSet itself, as a view builds it.
    def program_errors(count):
        data = QueryDict("&".join(["program=17"] * count))
        return EventFilterSet(data, queryset=Event.objects.all()).errors

    assert program_errors(1000) == {}
    assert program_errors(1001) == {"program": ["Enter at most 1000 values (got 1001)."]}


def test_more_than_twenty_search_terms_are_a_400(client):
    body = bad_request(client, "/2.3.0/events/", "search=" + "+".join(["HTV"] * 21))
    assert body == {"search": ["Enter at most 20 search terms (got 21)."]}


# A bad value of each parameter, and a good one.
REPEATED = {
    "type": ("abc", "13"),
    "id": ("1,,2", "352"),
    "day": ("32", "6"),
    "date__gte": ("yesterday", "2026-01-01"),
    "launch__ids": ("not-a-uuid", "8c2412ae-fbef-443f-aae8-db538f38eec6"),
    "video_url": (",".join(["u"] * 1001), "u"),
    "search": ("a " * 21, "HTV"),
    "ordering": ("name", "-date"),
    "limit": ("0", "5"),
    "offset": ("ten", "0"),
    "mode": ("full", "list"),
    "format": ("xml", "json"),
}


@pytest.mark.parametrize(("name", "bad", "good"), [(name, *values) for name, values in REPEATED.items()])
def test_a_bad_value_of_a_repeated_parameter_is_refused_wherever_it_stands(client, name, bad, good):
    # LL2 reads the last value alone: an earlier one is checked all the same, as it would be if last.
    alone = bad_request(client, ROUTES[0], f"{name}={bad}")
    assert list(alone) == [name]
    for query in (f"{name}={bad}&{name}={good}", f"{name}={good}&{name}={bad}&{name}={good}"):
        assert bad_request(client, ROUTES[0], query) == alone, query


def test_a_bad_value_of_a_repeated_parameter_is_refused_on_each_route_that_reads_it(client):
    query = "hide_recent_previous=maybe&hide_recent_previous=true"
    assert bad_request(client, "/2.3.0/events/upcoming/", query) == {
        "hide_recent_previous": ["Enter true, false, 1 or 0."]
    }
    mode = {"mode": ["'full' is not a valid mode; valid modes are: list, normal, detailed."]}
    assert bad_request(client, "/2.3.0/events/352/", "mode=full&mode=list") == mode
    # What a route does not read stays unread, given once or twice: an event has no page size.
    for query in ("limit=0", "limit=0&limit=5"):
        response = client.get(f"/2.3.0/events/352/?{query}", HTTP_ACCEPT="application/json")
        assert (response.status_code, response.json()["id"]) == (200, 352), query
    options = client.options("/2.3.0/events/?type=abc&type=13", HTTP_ACCEPT="application/json")
    assert options.status_code == 200


def test_good_values_of_a_repeated_parameter_are_read_as_the_last_as_ll2_reads_them(client):
    def count(query):
        response = client.get(f"/2.3.0/events/?{query}", HTTP_ACCEPT="application/json")
        assert response.status_code == 200, query
        return response.json()["count"]

    assert (count("type=12&type=13"), count("type=13&type=12")) == (1, 0)
    listed = client.get("/2.3.0/events/?mode=detailed&mode=list&format=json&format=json").json()
    assert listed["results"][0]["response_mode"] == "list"


def ids(response):
    assert response.status_code == 200
    return [item["id"] for item in response.json()["results"]]


# Last in the module: the one test on all of fixtures/ (spacewalks come with them, not with the seed).
@pytest.mark.parametrize("route", ["/2.3.0/agencies/", "/2.3.0/launches/", "/2.3.0/spacewalks/"])
@pytest.mark.parametrize("search", ["%00", "no-such-name"])
def test_views_without_search_ignore_it(all_fixtures, client, route, search):
    everything = ids(client.get(f"{route}?limit=100&format=json"))
    assert everything
    assert ids(client.get(f"{route}?limit=100&search={search}&format=json")) == everything
