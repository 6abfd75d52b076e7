from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class SpacedevsConfig(AppConfig):
    """The project package as an app, for the data state every app's writes bump (see `changes.py`)."""

    name = "spacedevs"
    verbose_name = "Service"
    holds_served_data = False

    def ready(self):
        from . import lookups  # noqa: F401 (registers them)
        from .changes import deployed_after_migrate, track_writes
        from .sqlite_like import fold_case_in_like

        connection_created.connect(fold_case_in_like, dispatch_uid="spacedevs-sqlite-like")
        track_writes()
        post_migrate.connect(deployed_after_migrate, sender=self)
