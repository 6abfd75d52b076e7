from django.apps import AppConfig


class SpacedevsConfig(AppConfig):
    """The project package as an app, for the data state every app's writes bump (see `changes.py`)."""

    name = "spacedevs"
    verbose_name = "Service"
    holds_served_data = False

    def ready(self):
        from . import lookups  # noqa: F401 (registers them)
        from .changes import track_writes

        track_writes()
