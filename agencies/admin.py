from django.contrib import admin

from spacedevs.admin import ModelAdmin

from .models import Agency, MissionPatch


@admin.register(Agency)
class AgencyAdmin(ModelAdmin):
    list_display = ["id", "name", "abbrev", "type"]
    list_filter = ["type"]
    search_fields = ["name", "abbrev"]


@admin.register(MissionPatch)
class MissionPatchAdmin(ModelAdmin):
    list_display = ["id", "name", "priority", "agency"]
    search_fields = ["name"]
    autocomplete_fields = ["agency"]
