"""The admin serves every model: list, search and the change form with its inlines."""

import pytest
from django.contrib import admin
from django.urls import reverse

from .conftest import fixture_events

PROJECT_APPS = {"config", "agencies", "astronauts", "programs", "spacestations", "launches", "events"}
MODELS = [model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS]


@pytest.fixture
def staff_client(client, django_user_model, all_fixtures):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", "pw"))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_changelist_search_and_change_form(staff_client, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert staff_client.get(changelist).status_code == 200
    assert staff_client.get(changelist, {"q": "a"}).status_code == 200
    instance = model.objects.first()
    assert instance is not None
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
    assert staff_client.get(change).status_code == 200


def test_event_admin_has_the_inlines_and_a_type_filter(staff_client):
    page = staff_client.get(reverse("admin:events_event_change", args=[352])).content.decode()
    for inline in ("vid_urls", "info_urls", "updates"):
        assert f'id="{inline}-group"' in page
    response = staff_client.get(reverse("admin:events_event_changelist"), {"type__id__exact": 13})
    spacecraft_releases = sorted(
        (event["date"], event_id) for event_id, event in fixture_events().items() if event["type"]["id"] == 13
    )
    assert [event.pk for event in response.context["cl"].result_list] == [
        event_id for _date, event_id in spacecraft_releases
    ]
    assert [event.pk for event in response.context["cl"].result_list] == [128, 149, 352, 474, 480]
