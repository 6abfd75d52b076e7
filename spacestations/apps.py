from django.apps import AppConfig


class SpacestationsConfig(AppConfig):
    name = "spacestations"
