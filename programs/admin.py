from django.contrib import admin

from spacedevs.admin import ModelAdmin
from spacedevs.admin_inlines import positioned_inline

from .models import Program, ProgramAgency, ProgramMissionPatch


@admin.register(Program)
class ProgramAdmin(ModelAdmin):
    list_display = ["id", "name", "type", "start_date", "end_date"]
    list_filter = ["type"]
    search_fields = ["name"]
    autocomplete_fields = ["image"]
    inlines = [
        positioned_inline(ProgramAgency, "agency"),
        positioned_inline(ProgramMissionPatch, "mission_patch"),
    ]
