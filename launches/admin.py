from django.contrib import admin

from spacedevs.admin import ModelAdmin

from .models import Launch


@admin.register(Launch)
class LaunchAdmin(ModelAdmin):
    list_display = ["name", "net", "status", "launch_designator"]
    list_filter = ["status"]
    date_hierarchy = "net"
    search_fields = ["name", "slug", "launch_designator"]
    autocomplete_fields = ["image"]
