from django.contrib import admin

from .models import Agency, MissionPatch


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "abbrev", "type"]
    list_filter = ["type"]
    search_fields = ["name", "abbrev"]


@admin.register(MissionPatch)
class MissionPatchAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "priority", "agency"]
    search_fields = ["name"]
    autocomplete_fields = ["agency"]
