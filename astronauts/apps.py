from django.apps import AppConfig


class AstronautsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "astronauts"
