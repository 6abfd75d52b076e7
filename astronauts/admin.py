from django.contrib import admin

from spacedevs.admin import ModelAdmin

from .models import Astronaut


@admin.register(Astronaut)
class AstronautAdmin(ModelAdmin):
    list_display = ["id", "name", "status", "agency"]
    list_filter = ["status"]
    search_fields = ["name"]
    autocomplete_fields = ["agency", "image"]
