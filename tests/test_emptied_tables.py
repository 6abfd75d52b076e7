"""The end of a transactional test (tests/emptied_tables.py) leaves what Django's flush leaves."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType

from events.models import Event

from .conftest import SEED, import_files
from .emptied_tables import KEPT, empty_tables


def row_counts():
    return {model._meta.db_table: model._base_manager.count() for model in apps.get_models()}


@pytest.mark.django_db(transaction=True)
def test_every_table_is_emptied_but_the_content_types_and_permissions_migrate_made():
    made_by_migrate = {
        "types": list(ContentType.objects.order_by("pk").values_list()),
        "permissions": list(Permission.objects.order_by("pk").values_list()),
    }
    import_files(SEED)
    User.objects.create_superuser("admin", "admin@example.com", "test-password")
    assert Event.objects.filter(pk=352).exists()

    empty_tables("default")

    assert {table for table, count in row_counts().items() if count} == KEPT
    assert made_by_migrate == {
        "types": list(ContentType.objects.order_by("pk").values_list()),
        "permissions": list(Permission.objects.order_by("pk").values_list()),
    }
