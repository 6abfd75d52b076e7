from django.contrib import admin

from spacedevs.admin import ModelAdmin
from spacedevs.admin_inlines import positioned_inline

from . import models


@admin.register(models.Event)
class EventAdmin(ModelAdmin):
    list_display = ["id", "name", "type", "date", "location", "last_updated"]
    list_filter = ["type", "date"]
    date_hierarchy = "date"
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["image"]
    inlines = [
        positioned_inline(models.VidURL, None, base=admin.StackedInline),
        positioned_inline(models.InfoURL, None, base=admin.StackedInline),
        positioned_inline(models.Update, None, base=admin.StackedInline),
        positioned_inline(models.EventAgency, "agency"),
        positioned_inline(models.EventLaunch, "launch"),
        positioned_inline(models.EventExpedition, "expedition"),
        positioned_inline(models.EventSpaceStation, "spacestation"),
        positioned_inline(models.EventProgram, "program"),
        positioned_inline(models.EventAstronaut, "astronaut"),
    ]
