from django.contrib import admin

from config.admin import ordered_link_inline

from . import models


class EventChildInline(admin.StackedInline):
    extra = 0
    ordering = ["position"]


class VidURLInline(EventChildInline):
    model = models.VidURL


class InfoURLInline(EventChildInline):
    model = models.InfoURL


class UpdateInline(EventChildInline):
    model = models.Update


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "type", "date", "location", "last_updated"]
    list_filter = ["type", "date"]
    date_hierarchy = "date"
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["image"]
    inlines = [
        VidURLInline,
        InfoURLInline,
        UpdateInline,
        ordered_link_inline(models.EventAgency, "agency"),
        ordered_link_inline(models.EventLaunch, "launch"),
        ordered_link_inline(models.EventExpedition, "expedition"),
        ordered_link_inline(models.EventSpaceStation, "spacestation"),
        ordered_link_inline(models.EventProgram, "program"),
        ordered_link_inline(models.EventAstronaut, "astronaut"),
    ]
