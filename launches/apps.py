from django.apps import AppConfig


class LaunchesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "launches"
