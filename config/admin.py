from django.contrib import admin

from spacedevs.admin import ModelAdmin
from spacedevs.admin_inlines import positioned_inline

from . import models

for lookup in models.LOOKUPS.values():
    admin.site.register(lookup, ModelAdmin, search_fields=["name"], list_display=["id", "name"])


@admin.register(models.Image)
class ImageAdmin(ModelAdmin):
    list_display = ["id", "name", "credit", "license", "single_use"]
    list_filter = ["license", "single_use"]
    search_fields = ["name", "credit"]
    inlines = [positioned_inline(models.ImageVariant, None)]
