from django.apps import AppConfig


class AstronautsConfig(AppConfig):
    name = "astronauts"
