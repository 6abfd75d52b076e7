from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        from .documents import rendered_after_migrate, track_writes

        track_writes()
        post_migrate.connect(rendered_after_migrate, sender=self)
