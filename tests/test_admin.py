"""The admin serves every model: list, search and the change form with its inlines; what it changes, every
event showing it shows at once (its stored documents)."""

import copy
import re
import threading
import time

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import connection
from django.forms.widgets import SplitDateTimeWidget, Textarea
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from astronauts.models import Astronaut
from events.admin import EventAdmin
from events.models import Event, Update, VidURL
from ingest.records import ingest_records
from launches.models import Launch
from programs.models import Program
from spacedevs.changes import data_models
from spacedevs.models import DataState
from spacestations.models import Expedition

from .conftest import CONCURRENT_WRITERS, PROJECT_APPS, fixture_events
from .test_stored_documents import assert_documents_current, written_at_once

# The served data's models (the service's own, API keys and tiers, are tested in test_throttling.py).
MODELS = [model for model in admin.site._registry if model in data_models()]


@pytest.fixture
def admin_client(admin_client, all_fixtures):
    """pytest-django's client signed in as a superuser, with every fixture event imported."""
    return admin_client


@pytest.mark.parametrize(
    ("password", "valid"),
    [
        ("rocket", False),
        ("password123", False),
        ("20261205143", False),
        ("admin@example.org", False),  # like its email, admin@example.com
        ("correct horse battery staple", True),
    ],
)
def test_an_admin_password_short_common_all_digits_or_like_the_name_is_refused(admin_user, password, valid):
    form = AdminPasswordChangeForm(admin_user, {"password1": password, "password2": password})
    assert form.is_valid() is valid


def listed(response):
    """The primary keys on a changelist page, as the admin lists them."""
    return [obj.pk for obj in response.context["cl"].result_list]


def matches(obj, words, fields):
    """The admin's search: every word is in one of the search fields, ignoring case."""
    values = [str(getattr(obj, field) or "").lower() for field in fields]
    return all(any(word.lower() in value for value in values) for word in words)


def test_project_apps_are_the_repositorys_own_apps():
    assert {"config", "agencies", "astronauts", "programs", "spacestations", "launches", "events"} <= set(
        PROJECT_APPS
    )
    assert not {"admin", "auth", "rest_framework", "django_filters"} & set(PROJECT_APPS)
    assert {"config", "events"} <= {model._meta.app_label for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_a_changelist_reads_as_many_times_for_one_row_as_for_a_page(
    admin_client, model, monkeypatch, django_assert_max_num_queries
):
    model_admin = admin.site._registry[model]
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    monkeypatch.setattr(model_admin, "list_per_page", 1)  # against all the fixtures' rows
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(changelist).status_code == 200
    monkeypatch.setattr(model_admin, "list_per_page", 100)
    with django_assert_max_num_queries(len(one)):
        assert admin_client.get(changelist).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_changelist_search_and_change_form(admin_client, model):
    opts, model_admin = model._meta, admin.site._registry[model]
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    instance = model.objects.first()
    assert instance is not None

    # The list shows every object (on pages of list_per_page), each with a link to its change form.
    response = admin_client.get(changelist)
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()
    assert set(listed(response)) <= set(model.objects.values_list("pk", flat=True))
    assert len(listed(response)) == min(model.objects.count(), model_admin.list_per_page)
    page = response.content.decode()
    for pk in listed(response):
        assert reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]) in page

    # A word of the object's name finds it, and exactly the objects whose search fields hold that word.
    word = max(re.findall(r"\w+", instance.name), key=len)
    response = admin_client.get(changelist, {"q": word})
    assert response.status_code == 200
    expected = [obj.pk for obj in model.objects.all() if matches(obj, [word], model_admin.search_fields)]
    assert instance.pk in expected
    assert len(expected) <= model_admin.list_per_page
    assert sorted(listed(response), key=str) == sorted(expected, key=str)
    if len(expected) == model.objects.count():
        # The word is in every object, so the search has not shown that it narrows: a word in none does.
        response = admin_client.get(changelist, {"q": "qwxzj"})
        assert (response.status_code, listed(response)) == (200, [])

    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert response.context["original"] == instance
    assert response.context["adminform"].form.initial["name"] == instance.name


def test_event_admin_has_the_inlines_and_a_type_filter(admin_client):
    page = admin_client.get(reverse("admin:events_event_change", args=[352])).content.decode()
    for inline in ("vid_urls", "info_urls", "updates"):
        assert f'id="{inline}-group"' in page
    response = admin_client.get(reverse("admin:events_event_changelist"), {"type__id__exact": 13})
    spacecraft_releases = sorted(
        (event["date"], event_id) for event_id, event in fixture_events().items() if event["type"]["id"] == 13
    )
    assert [event.pk for event in response.context["cl"].result_list] == [
        event_id for _date, event_id in spacecraft_releases
    ]
    assert [event.pk for event in response.context["cl"].result_list] == [128, 149, 352, 474, 480]


def test_every_model_has_a_plural_name_in_plain_english():
    plurals = {model.__name__: str(model._meta.verbose_name_plural) for model in MODELS}
    assert plurals["Launch"] == "launches"
    assert not [plural for plural in plurals.values() if plural.endswith(("chs", "shs", "ss", "xs"))]


def change_form_data(response):
    """The POST data of an admin change form as it was served: the object's fields and every inline's."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    return form_data(forms)


def form_data(forms):
    """The POST data of `forms` as they were served."""
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(field.field.widget, SplitDateTimeWidget):
                value = field.field.widget.decompress(value) if not isinstance(value, list) else value
                data |= {f"{field.html_name}_{index}": part for index, part in enumerate(value) if part}
            elif value is not None and value is not False:
                data[field.html_name] = getattr(value, "pk", value)
    return data


@pytest.mark.parametrize("delete_first", [False, True], ids=["swap", "delete-and-take-its-place"])
def test_an_inline_list_is_reordered_in_the_admin(admin_client, delete_first):
    event = Event.objects.get(pk=352)
    first, second, *_ = event.updates.order_by("position")
    url = reverse("admin:events_event_change", args=[352])
    data = change_form_data(admin_client.get(url))
    data |= {"updates-0-position": second.position, "updates-1-position": first.position}
    if delete_first:
        data |= {"updates-1-DELETE": "on"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    updates = list(event.updates.order_by("position").values_list("pk", "position"))
    if delete_first:
        assert (first.pk, second.position) in updates and second.pk not in dict(updates)
    else:
        assert updates[:2] == [(second.pk, first.position), (first.pk, second.position)]
    assert max(position for _, position in updates) < 1000


def error_messages(response):
    """A change form's error messages: a form's, a list for each field; an inline list's own, alone."""
    errors = [item if isinstance(item, list) else [item] for item in response.context["errors"]]
    return [str(error) for listed in errors for error in listed]


def as_a_browser_sends(response, data):
    """`data`, a change form's as served (change_form_data), as a browser sends it back unchanged: an
    `<input>`'s text without line breaks, a `<textarea>`'s with CRLF, a time to the second."""
    forms = [response.context["adminform"].form]
    forms += [form for inline in response.context["inline_admin_formsets"] for form in inline.formset.forms]
    sent = dict(data)
    for form in forms:
        for field in form:
            widget, value = field.field.widget, sent.get(field.html_name)
            if isinstance(widget, SplitDateTimeWidget) and f"{field.html_name}_1" in sent:
                time_input = widget.widgets[1]
                sent[f"{field.html_name}_1"] = time_input.format_value(sent[f"{field.html_name}_1"])
            elif isinstance(value, str):
                textarea = isinstance(widget, Textarea)
                sent[field.html_name] = (
                    re.sub(r"\r?\n", "\r\n", value) if textarea else re.sub("[\r\n]", "", value)
                )
    return sent


def test_a_save_that_changes_nothing_leaves_the_event_as_it_was(admin_client):
    # Values an HTML form cannot carry back as they are: line breaks (dropped by an input, CRLF from a
    # textarea), spaces around a text (stripped), an empty text (read as null), fractions of a second.
    [event] = [copy.deepcopy(event) for event_id, event in fixture_events().items() if event_id == 352]
    event |= {"name": f"{event['name']} ", "description": "Para one.\n\nPara two.", "location": ""}
    event |= {"date": "2026-03-06T17:05:00.500000Z", "last_updated": "2026-03-06T17:54:47.250000Z"}
    event["vid_urls"][0]["description"] = "Line one\nLine two"
    event["updates"][0]["comment"] = "Line one\r\nLine two\n"  # as LL2's own admin may have stored it
    ingest_records([event], source="test")
    document = admin_client.get("/2.3.0/events/352/?format=json").content
    rows = [list(model.objects.filter(event=352).values()) for model in (VidURL, Update)]
    rows.append(list(Event.objects.filter(pk=352).values()))
    url = reverse("admin:events_event_change", args=[352])
    served = admin_client.get(url)
    version = DataState.current().version
    response = admin_client.post(url, as_a_browser_sends(served, change_form_data(served)))
    assert response.status_code == 302, response.context and response.context["errors"]
    assert DataState.current().version == version  # nothing written: no cached response dropped
    assert [list(model.objects.filter(event=352).values()) for model in (VidURL, Update)] == rows[:2]
    assert list(Event.objects.filter(pk=352).values()) == rows[2]
    assert admin_client.get("/2.3.0/events/352/?format=json").content == document
    # A text changed is saved as sent (a textarea's line breaks as LF, as stored), a time changed to the
    # second is; the others are as they were.
    served = admin_client.get(url)
    data = as_a_browser_sends(served, change_form_data(served))
    assert (data["date_1"], data["vid_urls-0-description"]) == ("17:05:00.500000", "Line one\r\nLine two")
    data |= {"vid_urls-0-description": "New\r\ntext", "date_1": "17:05:00"}
    assert admin_client.post(url, data).status_code == 302
    shown = admin_client.get("/2.3.0/events/352/?format=json").json()
    assert (shown["vid_urls"][0]["description"], shown["description"]) == (
        "New\ntext",
        "Para one.\n\nPara two.",
    )
    assert shown["date"] == "2026-03-06T17:05:00Z"
    # Spaces the field cuts are no change (nor said to be one in its history).
    served = admin_client.get(url)
    data = as_a_browser_sends(served, change_form_data(served)) | {"webcast_live": "on"}
    data["vid_urls-0-title"] += " "
    assert admin_client.post(url, data).status_code == 302
    assert LogEntry.objects.latest("action_time").get_change_message() == "Changed Webcast live."


def changed_upstream(event):
    event["name"] = "Renamed upstream"


def update_changed_upstream(event):
    event["updates"][0]["comment"] = "Changed upstream"


@pytest.mark.parametrize(
    ("change", "event_id", "deleted", "refused"),
    [
        (changed_upstream, 352, False, "event"),
        (update_changed_upstream, 352, False, "update"),  # a row of an inline list
        (update_changed_upstream, 352, True, "update"),  # deleted on the page: not unseen
        (changed_upstream, 101, False, None),  # another event: nothing this page showed
    ],
    ids=["its-field", "its-inline-row", "its-inline-row-deleted", "another-event"],
)
def test_a_form_whose_object_changed_since_it_was_shown_saves_nothing(
    admin_client, change, event_id, deleted, refused
):
    url = reverse("admin:events_event_change", args=[352])
    served = admin_client.get(url)
    data = change_form_data(served) | {"webcast_live": "on"}  # its user's change
    if deleted:
        data["updates-0-DELETE"] = "on"
    # A sync writes between the page and its save.
    record = copy.deepcopy(fixture_events()[event_id])
    change(record)
    ingest_records([record], source="sync")
    before = admin_client.get("/2.3.0/events/352/?format=json").content
    response = admin_client.post(url, data)
    if refused is None:
        assert response.status_code == 302, response.context["errors"]
        assert admin_client.get("/2.3.0/events/352/?format=json").json()["webcast_live"] is True
        return
    assert response.status_code == 200
    [message] = error_messages(response)
    assert message == (
        f"This {refused} was changed (by a sync, an import or another user) since this page was opened: "
        "nothing was saved. Open it again to see it as it is now, and make the changes again."
    )
    assert admin_client.get("/2.3.0/events/352/?format=json").content == before
    # Opened again, it shows the stored values, and saves the change.
    served = admin_client.get(url)
    assert admin_client.post(url, change_form_data(served) | {"webcast_live": "on"}).status_code == 302
    shown = admin_client.get("/2.3.0/events/352/?format=json").json()
    assert (shown["webcast_live"], shown["name"], shown["updates"][0]["comment"]) == (
        True,
        record["name"],
        record["updates"][0]["comment"],
    )


@pytest.mark.parametrize("how", ["its-id-changed", "removed-since", "another-lists-row-deleted"])
def test_a_row_its_list_no_longer_holds_by_the_id_sent_saves_nothing(admin_client, how):
    url = reverse("admin:events_event_change", args=[352])
    served = admin_client.get(url)
    assert re.search(r'<input [^>]*name="updates-0-id"[^>]*readonly', served.content.decode())
    data = change_form_data(served) | {"updates-0-comment": "Edited", "webcast_live": "on"}
    others = list(Update.objects.exclude(event=352).order_by("pk").values_list("pk", "position"))
    if how == "its-id-changed":
        data["updates-0-id"] = 999_999_999
    elif how == "removed-since":
        Update.objects.get(pk=data["updates-0-id"]).delete()
    else:  # deleting, by its id, a row of another event's list: that row was moved to the end of its list
        data |= {"updates-0-id": others[0][0], "updates-0-DELETE": "on"}
    before = admin_client.get("/2.3.0/events/352/?format=json").content
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert [str(error) for error in response.context["errors"]] == [
        "One of the updates shown on this page is not in its list by the id sent: an id cannot be changed, "
        "and a row removed since the page was opened is gone. Open the page again."
    ]
    assert admin_client.get("/2.3.0/events/352/?format=json").content == before
    assert list(Update.objects.exclude(event=352).order_by("pk").values_list("pk", "position")) == others


def test_a_stored_value_the_form_would_refuse_is_no_error_until_changed(admin_client):
    # LL2's URLs are imported as sent; Django's URL validator refuses some (a space).
    record = copy.deepcopy(fixture_events()[352])
    record["vid_urls"][0]["url"] = "https://example.com/a b"
    ingest_records([record], source="test")
    url = reverse("admin:events_event_change", args=[352])
    served = admin_client.get(url)
    data = as_a_browser_sends(served, change_form_data(served)) | {"webcast_live": "on"}
    assert admin_client.post(url, data).status_code == 302
    shown = admin_client.get("/2.3.0/events/352/?format=json").json()
    assert (shown["webcast_live"], shown["vid_urls"][0]["url"]) == (True, "https://example.com/a b")
    # Changed, it is judged as any value sent.
    served = admin_client.get(url)
    data = as_a_browser_sends(served, change_form_data(served))
    response = admin_client.post(url, data | {"vid_urls-0-url": "https://example.com/c d"})
    assert (response.status_code, error_messages(response)) == (200, ["Enter a valid URL."])


def test_a_new_row_is_judged_whole(admin_client):
    # Nothing of it is stored: a value left empty is none, not one kept as stored.
    url = reverse("admin:events_event_change", args=[352])
    data = change_form_data(admin_client.get(url))
    data |= {"vid_urls-TOTAL_FORMS": 3, "vid_urls-2-position": 2, "vid_urls-2-title": "Only a title"}
    response = admin_client.post(url, data)
    # Its priority, URL, type and language.
    assert (response.status_code, error_messages(response)) == (200, ["This field is required."] * 4)
    assert VidURL.objects.filter(event=352).count() == 2


def test_a_form_posted_without_its_digest_is_saved_and_logged_as_changed(admin_client):
    # A script's POST, which may leave the digest out: not checked, and no change of the object's.
    url = reverse("admin:events_event_change", args=[352])
    data = change_form_data(admin_client.get(url)) | {"webcast_live": "on"}
    del data["shown_values"]
    assert admin_client.post(url, data).status_code == 302
    assert LogEntry.objects.latest("action_time").get_change_message() == "Changed Webcast live."


@pytest.mark.parametrize("model", [Event, Launch, Program], ids=lambda model: model.__name__)
def test_an_objects_key_is_given_once_and_never_changed(admin_client, model):
    # Changed, Django saved the form as the object with the new key: over another object that had it.
    first, other = model.objects.order_by("pk")[:2]
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
    response = admin_client.get(url)
    assert "id" not in response.context["adminform"].form.fields
    others = model.objects.filter(pk=other.pk).values()[0]
    data = change_form_data(response) | {"id": other.pk, "name": "Renamed"}
    assert admin_client.post(url, data).status_code == 302
    assert model.objects.get(pk=first.pk).name == "Renamed"
    assert model.objects.filter(pk=other.pk).values()[0] == others
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert "id" in add.context["adminform"].form.fields


def test_a_place_past_where_rows_are_parked_is_a_form_error(admin_client):
    # A row moved there would collide with the rows parked for the save, or overflow the column once parked.
    event = Event.objects.get(pk=352)
    positions = list(event.updates.order_by("position").values_list("pk", "position"))
    url = reverse("admin:events_event_change", args=[352])
    data = change_form_data(admin_client.get(url)) | {"updates-0-position": 2_000_000_000}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 999999999." in response.content.decode()
    assert list(event.updates.order_by("position").values_list("pk", "position")) == positions


def test_inline_rows_deleted_and_the_event_renamed_in_one_save_are_in_its_documents(admin_client):
    url = reverse("admin:events_event_change", args=[352])
    data = change_form_data(admin_client.get(url))
    data |= {"name": "Renamed with its rows", "eventagency_set-0-DELETE": "on", "vid_urls-0-DELETE": "on"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert_documents_current()


@pytest.mark.parametrize("model", [Astronaut, Launch, Program, Expedition])
def test_delete_selected_of_objects_events_show_renders_those_events(admin_client, model):
    shown = list(model.objects.filter(events__isnull=False).order_by("pk").values_list("pk", flat=True))[:3]
    assert shown
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": shown, "post": "yes"}
    )
    assert response.status_code == 302
    assert not model.objects.filter(pk__in=shown).exists()
    assert_documents_current()


def test_a_launch_changed_in_the_admin_renders_the_events_showing_it(admin_client):
    launch = Launch.objects.filter(events__isnull=False).first()
    url = reverse("admin:launches_launch_change", args=[launch.pk])
    data = change_form_data(admin_client.get(url)) | {"name": "Renamed in the admin"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert_documents_current()


@pytest.mark.skipif(connection.vendor != "postgresql", reason=CONCURRENT_WRITERS)
@pytest.mark.django_db(transaction=True)
def test_an_admin_save_reads_the_rows_it_changes_in_its_turn(client, django_user_model, monkeypatch):
    """An import dropping one of an event's videos starts while an admin save editing that video is under
    way: the save read the rows in its turn, so the import waits for it, then drops the video. (The save
    took its turn at its first write, the import committed in between, and the save wrote the video back.)"""
    seed = copy.deepcopy(fixture_events()[352])
    ingest_records([seed], source="seed")
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", None))
    url = reverse("admin:events_event_change", args=[352])
    data = change_form_data(client.get(url)) | {"vid_urls-1-title": "Edited in the admin"}
    importing = seed | {"vid_urls": seed["vid_urls"][:1]}
    read = threading.Event()
    saving = EventAdmin.save_model

    def save_once_the_import_has_begun(admin, *args):
        read.set()
        time.sleep(0.5)
        saving(admin, *args)

    def save():
        assert client.post(url, data).status_code == 302

    monkeypatch.setattr(EventAdmin, "save_model", save_once_the_import_has_begun)
    assert written_at_once(importing, save, after=read) == []
    monkeypatch.undo()
    assert list(VidURL.objects.filter(event=352).values_list("url", flat=True)) == [
        seed["vid_urls"][0]["url"]
    ]
    assert_documents_current()
