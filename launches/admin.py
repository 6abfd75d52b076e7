from django.contrib import admin

from .models import Launch


@admin.register(Launch)
class LaunchAdmin(admin.ModelAdmin):
    list_display = ["name", "net", "status", "launch_designator"]
    list_filter = ["status"]
    date_hierarchy = "net"
    search_fields = ["name", "slug", "launch_designator"]
    autocomplete_fields = ["image"]
