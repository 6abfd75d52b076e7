from django.contrib import admin

from . import models

for lookup in (
    models.EventType,
    models.NetPrecision,
    models.LaunchStatus,
    models.VidURLType,
    models.InfoURLType,
    models.Language,
    models.AgencyType,
    models.ProgramType,
    models.SpaceStationStatus,
    models.SpaceStationType,
    models.AstronautStatus,
    models.ImageVariantType,
    models.ImageLicense,
):
    admin.site.register(lookup, search_fields=["name"], list_display=["id", "name"])


class ImageVariantInline(admin.TabularInline):
    model = models.ImageVariant
    extra = 0


@admin.register(models.Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "credit", "license", "single_use"]
    list_filter = ["license", "single_use"]
    search_fields = ["name", "credit"]
    inlines = [ImageVariantInline]


def ordered_link_inline(through, target_field):
    """A tabular inline for an OrderedLink through model, picking its target by autocomplete."""
    return type(
        f"{through.__name__}Inline",
        (admin.TabularInline,),
        {"model": through, "extra": 0, "autocomplete_fields": [target_field], "ordering": ["position"]},
    )
