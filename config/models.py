"""Lookup tables shared by every resource, keyed by LL2's own ids (served under /2.3.0/config/...)."""

from django.db import models

from spacedevs.positions import PositionedRow, unique_position
from spacedevs.text_bounds import LONG_URL_LENGTH


class Lookup(models.Model):
    """A small LL2 lookup: an LL2 id and a name."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return self.name


class DescribedLookup(Lookup):
    """A lookup that also carries an abbreviation and a description (NetPrecision, LaunchStatus)."""

    abbrev = models.CharField(max_length=255)
    description = models.CharField(max_length=2048)

    class Meta(Lookup.Meta):
        abstract = True


class EventType(Lookup):
    pass


class NetPrecision(DescribedLookup):
    """How precise a date is; LL2 uses it for event dates and launch NETs alike."""


class LaunchStatus(DescribedLookup):
    class Meta(DescribedLookup.Meta):
        verbose_name_plural = "launch statuses"


class VidURLType(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = "video URL type"


class InfoURLType(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = "info URL type"


class Language(Lookup):
    code = models.CharField(max_length=255, help_text="ISO 639-1 (two-letter) code")


class AgencyType(Lookup):
    pass


class ProgramType(Lookup):
    pass


class SpaceStationStatus(Lookup):
    class Meta(Lookup.Meta):
        verbose_name_plural = "space station statuses"


class SpaceStationType(Lookup):
    pass


class AstronautStatus(Lookup):
    class Meta(Lookup.Meta):
        verbose_name_plural = "astronaut statuses"


class ImageVariantType(Lookup):
    pass


class ImageLicense(Lookup):
    priority = models.IntegerField()
    link = models.URLField(max_length=200, null=True, blank=True)


class Image(models.Model):
    """An LL2 image with its license; variants hang off it in LL2's order."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)
    image_url = models.URLField(max_length=LONG_URL_LENGTH)
    thumbnail_url = models.URLField(max_length=LONG_URL_LENGTH)
    credit = models.CharField(max_length=255, null=True, blank=True)
    license = models.ForeignKey(ImageLicense, on_delete=models.PROTECT, related_name="images")
    single_use = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class ImageVariant(PositionedRow):
    id = models.IntegerField(primary_key=True)
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="variants")
    type = models.ForeignKey(ImageVariantType, on_delete=models.PROTECT, related_name="variants")
    image_url = models.URLField(max_length=LONG_URL_LENGTH)

    class Meta(PositionedRow.Meta):
        ordering = ["image", "position"]
        constraints = [unique_position("image")]

    def __str__(self):
        return self.image_url


# LL2's config lookups by the name each is served under (/2.3.0/config/<name>/): the one table that their
# serializers, routes and admin are built from.
LOOKUPS = {
    "agency_types": AgencyType,
    "astronaut_statuses": AstronautStatus,
    "event_types": EventType,
    "image_licenses": ImageLicense,
    "image_variant_types": ImageVariantType,
    "infourl_types": InfoURLType,
    "languages": Language,
    "launch_statuses": LaunchStatus,
    "net_precisions": NetPrecision,
    "program_types": ProgramType,
    "space_station_statuses": SpaceStationStatus,
    "space_station_types": SpaceStationType,
    "vidurl_types": VidURLType,
}
