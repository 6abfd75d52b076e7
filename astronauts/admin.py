from django.contrib import admin

from .models import Astronaut


@admin.register(Astronaut)
class AstronautAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "status", "agency"]
    list_filter = ["status"]
    search_fields = ["name"]
    autocomplete_fields = ["agency", "image"]
