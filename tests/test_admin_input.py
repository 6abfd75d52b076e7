"""The admin answers bad input with a form error or its changelist's `?e=1` redirect, never a 500, the same
on SQLite as on PostgreSQL: dates past the date hierarchy's end, searches too large or with a NUL, numbers
past a column's range."""

import datetime
import re

import pytest
from django.contrib import admin
from django.urls import reverse

from events.models import Event, VidURL
from launches.models import Launch
from spacedevs.api.filters import BoundedSearchFilter
from spacedevs.api.numbers import MAX_INTEGER
from spacedevs.models import APITier
from spacedevs.text_bounds import INDEXED_TEXT_BYTES

from .conftest import PROJECT_APPS
from .test_admin import change_form_data, form_data, listed
from .test_stored_documents import assert_documents_current

TOO_MANY_TERMS = BoundedSearchFilter.max_terms + 1
NOT_A_CHOICE = "Select a valid choice. That choice is not one of the available choices."


@pytest.fixture
def admin_client(admin_client, seeded):
    """pytest-django's client signed in as a superuser, with the seed event imported."""
    return admin_client


def refused(client, changelist, query):
    """The messages of the changelist's redirect for bad `query`: the page after it shows them."""
    response = client.get(changelist, query, follow=True)
    assert (response.status_code, response.redirect_chain) == (200, [(f"{changelist}?e=1", 302)])
    return [str(message) for message in response.context["messages"]]


def test_every_admin_and_inline_takes_the_shared_behaviour():
    from spacedevs.admin import BoundedFormFields, ModelAdmin, StoredValuesKept

    admins = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
    ]
    assert {APITier, Event} <= {model_admin.model for model_admin in admins}
    assert all(isinstance(model_admin, ModelAdmin) for model_admin in admins)
    inlines = [inline for model_admin in admins for inline in model_admin.inlines]
    shared = (BoundedFormFields, StoredValuesKept)
    assert inlines and all(issubclass(inline, base) for inline in inlines for base in shared)


HIERARCHIES = {"events:event": "date", "launches:launch": "net"}
PAST_A_C_INT = "1" + "0" * 20  # an OverflowError where Django expects a ValueError


@pytest.mark.parametrize("model", HIERARCHIES)
@pytest.mark.parametrize(
    "parts",
    [{"year": PAST_A_C_INT}, {"year": "10000"}, {"year": "0"}, {"year": "9999", "month": "13"}],
    ids=["past-a-c-int", "past-9999", "year-0", "month-13"],
)
def test_a_date_hierarchy_of_no_date_redirects_to_the_changelists_error(admin_client, model, parts):
    field = HIERARCHIES[model]
    changelist = reverse(f"admin:{model.replace(':', '_')}_changelist")
    query = {f"{field}__{part}": value for part, value in parts.items()}
    shown = "&".join(f"{name}={value}" for name, value in query.items())
    assert refused(admin_client, changelist, query) == [f"No such date: {shown}."]


def test_a_date_hierarchy_without_a_year_is_djangos_filter_by_month_and_day(admin_client):
    # No range: February 29th of any year (year 1, the default of a missing part, has none).
    Event.objects.filter(pk=352).update(date=datetime.datetime(2024, 2, 29, tzinfo=datetime.UTC))
    changelist = reverse("admin:events_event_changelist")
    response = admin_client.get(changelist, {"date__month": "2", "date__day": "29"})
    assert (response.status_code, listed(response)) == (200, [352])


@pytest.mark.parametrize(
    "parts",
    [{"year": "9999"}, {"year": "9999", "month": "12"}, {"year": "9999", "month": "12", "day": "31"}],
    ids=["year", "month", "day"],
)
def test_a_date_hierarchy_range_ending_past_9999_runs_to_its_last_day(admin_client, parts):
    # Its end, the day after it, is no date: the range runs to the last one there is.
    Event.objects.filter(pk=352).update(date=datetime.datetime(9999, 12, 31, 23, tzinfo=datetime.UTC))
    changelist = reverse("admin:events_event_changelist")
    assert 'href="?date__year=9999"' in admin_client.get(changelist).content.decode()  # the admin's own link
    response = admin_client.get(changelist, {f"date__{part}": value for part, value in parts.items()})
    assert (response.status_code, listed(response)) == (200, [352])
    # The years before end as before.
    response = admin_client.get(changelist, {"date__year": "9998"})
    assert (response.status_code, listed(response)) == (200, [])


@pytest.mark.parametrize("model", ["events:event", "agencies:agency", "launches:launch"])
def test_a_search_of_too_many_terms_redirects_to_the_changelists_error(admin_client, model):
    changelist = reverse(f"admin:{model.replace(':', '_')}_changelist")
    for terms in (TOO_MANY_TERMS, 1100):
        assert refused(admin_client, changelist, {"q": " ".join(["a"] * terms)}) == [
            f"Enter at most {BoundedSearchFilter.max_terms} search terms (got {terms})."
        ]
    # As many as the API takes still search, each term narrowing.
    response = admin_client.get(changelist, {"q": " ".join(["qwxzj"] * BoundedSearchFilter.max_terms)})
    assert (response.status_code, listed(response)) == (200, [])


def test_a_search_with_a_nul_is_djangos_search_form_error(admin_client):
    # Django's own search form refuses it, showing every object: the NUL reaches no query.
    response = admin_client.get(reverse("admin:events_event_changelist"), {"q": "Crew\x00"})
    assert (response.status_code, listed(response)) == (200, [352])
    assert [str(message) for message in response.context["messages"]] == ["Null characters are not allowed."]


def autocomplete(client, term):
    query = {"app_label": "events", "model_name": "event", "field_name": "image", "term": term}
    return client.get(reverse("admin:autocomplete"), query)


@pytest.mark.parametrize(
    "term",
    ["a " * 1100, "a " * TOO_MANY_TERMS, "\x00", "a\x00b"],
    ids=["1100-terms", "21-terms", "nul", "a-nul-b"],
)
def test_an_autocomplete_search_too_large_or_with_a_nul_is_a_bad_request(admin_client, term):
    response = autocomplete(admin_client, term)
    assert (response.status_code, response.json()) == (400, {"detail": "Bad request."})


def test_an_autocomplete_search_of_as_many_terms_as_the_api_takes_answers(admin_client):
    response = autocomplete(admin_client, " ".join(["qwxzj"] * BoundedSearchFilter.max_terms))
    assert (response.status_code, response.json()["results"]) == (200, [])


def change_event(client, **changes):
    """POSTs the seed event's change form with `changes`, returning the response."""
    url = reverse("admin:events_event_change", args=[352])
    return client.post(url, change_form_data(client.get(url)) | changes)


def assert_form_error(response, message):
    assert response.status_code == 200
    errors = [error for errors in response.context["errors"] for error in errors]
    assert errors == [message]


def unchanged(check):
    """The seed event's stored values and documents are as before, after `check`."""
    before = list(Event.objects.filter(pk=352).values())
    videos = list(VidURL.objects.order_by("pk").values())
    check()
    assert list(Event.objects.filter(pk=352).values()) == before
    assert list(VidURL.objects.order_by("pk").values()) == videos
    assert Event.objects.count() == 1
    assert_documents_current()


LONGEST = "Ensure this value is less than or equal to 106751991 days, 4:00:54.775807."
SHORTEST = "Ensure this value is greater than or equal to -106751992 days, 19:59:05.224193."
PAST_INTEGER = f"Ensure this value is less than or equal to {MAX_INTEGER}."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration": "999999999 00:00:00"}, LONGEST),
        ({"duration": "-999999999 00:00:00"}, SHORTEST),
        ({"vid_urls-0-priority": 2**40}, PAST_INTEGER),
        (
            {"vid_urls-0-priority": -(2**40)},
            f"Ensure this value is greater than or equal to {-MAX_INTEGER - 1}.",
        ),
        ({"image": "99999999999999999999"}, NOT_A_CHOICE),
        ({"image": 2**40}, NOT_A_CHOICE),
        ({"eventagency_set-0-agency": "99999999999999999999"}, NOT_A_CHOICE),
    ],
    ids=[
        "duration",
        "negative-duration",
        "priority",
        "negative-priority",
        "image",
        "image-2**40",
        "agency",
    ],
)
def test_a_number_past_its_columns_range_is_a_form_error(admin_client, changes, message):
    unchanged(lambda: assert_form_error(change_event(admin_client, **changes), message))


@pytest.mark.parametrize(
    ("key", "message"), [(2**40, PAST_INTEGER), (-1, "Ensure this value is greater than or equal to 0.")]
)
def test_a_key_past_its_columns_range_is_a_form_error(admin_client, key, message):
    # Given once, when the object is added (read-only afterwards).
    unchanged(lambda: assert_form_error(add_event(admin_client, id=key), message))


def add_event(client, **changes):
    """POSTs the admin's add form with the seed event's own fields (under another slug), no inline rows, and
    `changes`, returning the response."""
    served = client.get(reverse("admin:events_event_change", args=[352])).context
    data = form_data([served["adminform"].form]) | {"slug": "another-slug"}
    for inline in served["inline_admin_formsets"]:
        data |= {f"{inline.formset.prefix}-TOTAL_FORMS": 0, f"{inline.formset.prefix}-INITIAL_FORMS": 0}
    return client.post(reverse("admin:events_event_add"), data | changes)


def test_an_object_listed_twice_in_one_list_is_a_form_error(admin_client):
    # The API would show the agency twice in the event's list; LL2 lists each once.
    url = reverse("admin:events_event_change", args=[352])
    data = change_form_data(admin_client.get(url))
    twice = {
        "eventagency_set-TOTAL_FORMS": 2,
        "eventagency_set-1-event": 352,
        "eventagency_set-1-position": 1,
    }
    twice["eventagency_set-1-agency"] = data["eventagency_set-0-agency"]

    def refused_with_its_error():
        response = admin_client.post(url, data | twice)
        assert (response.status_code, list(response.context["errors"])) == (200, ["List each agency once."])

    unchanged(refused_with_its_error)
    # One of the two deleted in the same save, the list holds it once.
    once = twice | {"eventagency_set-0-DELETE": "on"}
    assert admin_client.post(url, data | once).status_code == 302


def test_an_indexed_text_past_what_its_index_holds_is_a_form_error(admin_client):
    # A video's URL is indexed (the video_url filter): 2,020 characters, but 6,020 bytes as UTF-8, past what a
    # PostgreSQL index entry holds (a 500 there; SQLite would have taken it: the same refusal on both).
    wide = "https://example.com/" + "界" * 2000
    message = (
        f"Ensure this value is at most {INDEXED_TEXT_BYTES} bytes as UTF-8 (it has {len(wide.encode())})."
    )
    unchanged(lambda: assert_form_error(change_event(admin_client, **{"vid_urls-0-url": wide}), message))


def test_the_ends_of_the_ranges_are_taken(admin_client):
    response = change_event(
        admin_client, duration="106751991 04:00:54.775807", **{"vid_urls-0-priority": MAX_INTEGER}
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Event.objects.get(pk=352).duration == datetime.timedelta(microseconds=2**63 - 1)
    assert MAX_INTEGER in VidURL.objects.filter(event=352).values_list("priority", flat=True)
    assert_documents_current()


def test_an_api_tier_past_the_columns_range_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:spacedevs_apitier_add"), {"name": "Huge", "requests_per_hour": 2**40}
    )
    assert_form_error(response, PAST_INTEGER)
    assert not APITier.objects.filter(name="Huge").exists()


def add_form_image(client, image):
    """The image the add form shows selected, given `image` as its initial one (`add/?image=…`)."""
    response = client.get(reverse("admin:events_event_add"), {"image": image})
    assert response.status_code == 200
    page = response.content.decode()
    select = page[
        page.index('<select name="image"') : page.index("</select>", page.index('<select name="image"'))
    ]
    return [int(key) for key in re.findall(r'<option value="(\d+)" selected>', select)]


@pytest.mark.parametrize("image", ["99999999999999999999", str(2**40), "abc", "-1"])
def test_an_initial_image_that_is_no_key_there_is_is_ignored(admin_client, image):
    assert add_form_image(admin_client, image) == []


def test_an_initial_image_that_is_there_is_selected(admin_client):
    image = Event.objects.get(pk=352).image_id
    assert add_form_image(admin_client, str(image)) == [image]


@pytest.mark.parametrize(
    ("model", "query", "message"),
    [
        # Lookups no filter of the page offers: each ran as given, and failed as it ran (a 500).
        ("events:event", {"name__regex": "("}, "No such filter: name__regex."),
        ("events:event", {"date__year__gte": "10000"}, "No such filter: date__year__gte."),
        ("events:event", {"id__range": "1"}, "No such filter: id__range."),
        ("events:event", {"duration": "abc"}, "No such filter: duration."),
        ("events:event", {"slug": "\x00"}, "No such filter: slug."),
        ("agencies:agency", {"abbrev": "\x00"}, "No such filter: abbrev."),
        # An offered filter's value its field cannot hold.
        (
            "events:event",
            {"type__id__exact": PAST_A_C_INT},
            f"No such value of type__id__exact: {PAST_A_C_INT}.",
        ),
        ("events:event", {"date__gte": "2024-01-01\x00"}, "No such value of date__gte: 2024-01-01\x00."),
    ],
)
def test_a_filter_the_changelist_does_not_offer_redirects_to_its_error(admin_client, model, query, message):
    changelist = reverse(f"admin:{model.replace(':', '_')}_changelist")
    assert refused(admin_client, changelist, query) == [message]


def test_a_date_hierarchys_range_kept_in_djangos_links_filters(admin_client):
    # "Clear all filters" after a year and another filter keeps the year as its range (`net__gte`, `net__lt`),
    # which no list filter of launches offers.
    changelist = reverse("admin:launches_launch_changelist")
    net = Launch.objects.get().net
    year = {"net__gte": f"{net.year}-01-01 00:00:00+00:00", "net__lt": f"{net.year + 1}-01-01 00:00:00+00:00"}
    response = admin_client.get(changelist, year)
    assert (response.status_code, listed(response)) == (200, [Launch.objects.get().pk])


def test_the_filters_the_changelist_offers_filter(admin_client):
    changelist = reverse("admin:events_event_changelist")
    assert 'href="?date__gte=' in admin_client.get(changelist).content.decode()  # its own links
    year = Event.objects.get(pk=352).date.year
    for query, found in [
        ({"date__gte": "2000-01-01 00:00:00+00:00"}, [352]),
        ({"date__gte": "9000-01-01 00:00:00+00:00"}, []),
        ({"date__year": str(year)}, [352]),
        ({"date__year": str(year + 1)}, []),
    ]:
        response = admin_client.get(changelist, query)
        assert (response.status_code, listed(response)) == (200, found), query
