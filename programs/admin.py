from django.contrib import admin

from config.admin import ordered_link_inline

from .models import Program, ProgramAgency, ProgramMissionPatch


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "type", "start_date", "end_date"]
    list_filter = ["type"]
    search_fields = ["name"]
    autocomplete_fields = ["image"]
    inlines = [
        ordered_link_inline(ProgramAgency, "agency"),
        ordered_link_inline(ProgramMissionPatch, "mission_patch"),
    ]
