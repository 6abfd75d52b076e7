from django.apps import AppConfig


class SpacestationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "spacestations"
