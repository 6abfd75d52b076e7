from django.contrib import admin

from spacedevs.admin import ModelAdmin
from spacedevs.admin_inlines import positioned_inline

from .models import Expedition, ExpeditionMissionPatch, ExpeditionSpacewalk, SpaceStation, Spacewalk


@admin.register(SpaceStation)
class SpaceStationAdmin(ModelAdmin):
    list_display = ["id", "name", "status", "type", "founded", "deorbited"]
    list_filter = ["status", "type"]
    search_fields = ["name"]
    autocomplete_fields = ["image"]


@admin.register(Expedition)
class ExpeditionAdmin(ModelAdmin):
    list_display = ["id", "name", "spacestation", "start", "end"]
    list_filter = ["spacestation"]
    search_fields = ["name"]
    inlines = [
        positioned_inline(ExpeditionMissionPatch, "mission_patch"),
        positioned_inline(ExpeditionSpacewalk, "spacewalk"),
    ]


@admin.register(Spacewalk)
class SpacewalkAdmin(ModelAdmin):
    list_display = ["id", "name", "start", "duration", "location"]
    search_fields = ["name"]
