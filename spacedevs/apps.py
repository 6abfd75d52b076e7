from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class SpacedevsConfig(AppConfig):
    """The project package as an app, for the data state every app's writes bump (see `changes.py`)."""

    name = "spacedevs"
    verbose_name = "Service"
    holds_served_data = False

    def ready(self):
        from . import checks, lookups  # noqa: F401 (registers them)
        from .changes import deployed_after_migrate, track_writes
        from .sqlite_icontains import register_on_sqlite

        connection_created.connect(register_on_sqlite, dispatch_uid="spacedevs-sqlite-icontains")
        track_writes()
        post_migrate.connect(deployed_after_migrate, sender=self)
