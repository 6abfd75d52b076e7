from spacedevs.api.serializers import PlannedSerializer

from . import models


def lookup_serializer(lookup_model):
    """The plain serializer of a lookup: all its columns, in declaration order (LL2's order)."""
    meta = type("Meta", (), {"model": lookup_model, "fields": [f.name for f in lookup_model._meta.fields]})
    return type(f"{lookup_model.__name__}Serializer", (PlannedSerializer,), {"Meta": meta})


EventTypeSerializer = lookup_serializer(models.EventType)
NetPrecisionSerializer = lookup_serializer(models.NetPrecision)
LaunchStatusSerializer = lookup_serializer(models.LaunchStatus)
VidURLTypeSerializer = lookup_serializer(models.VidURLType)
InfoURLTypeSerializer = lookup_serializer(models.InfoURLType)
LanguageSerializer = lookup_serializer(models.Language)
AgencyTypeSerializer = lookup_serializer(models.AgencyType)
ProgramTypeSerializer = lookup_serializer(models.ProgramType)
SpaceStationStatusSerializer = lookup_serializer(models.SpaceStationStatus)
SpaceStationTypeSerializer = lookup_serializer(models.SpaceStationType)
AstronautStatusSerializer = lookup_serializer(models.AstronautStatus)
ImageVariantTypeSerializer = lookup_serializer(models.ImageVariantType)
ImageLicenseSerializer = lookup_serializer(models.ImageLicense)
# Each lookup by the name LL2 serves it under (/2.3.0/config/<name>/).
LOOKUP_SERIALIZERS = {
    "agency_types": AgencyTypeSerializer,
    "astronaut_statuses": AstronautStatusSerializer,
    "event_types": EventTypeSerializer,
    "image_licenses": ImageLicenseSerializer,
    "image_variant_types": ImageVariantTypeSerializer,
    "infourl_types": InfoURLTypeSerializer,
    "languages": LanguageSerializer,
    "launch_statuses": LaunchStatusSerializer,
    "net_precisions": NetPrecisionSerializer,
    "program_types": ProgramTypeSerializer,
    "space_station_statuses": SpaceStationStatusSerializer,
    "space_station_types": SpaceStationTypeSerializer,
    "vidurl_types": VidURLTypeSerializer,
}


class ImageVariantSerializer(PlannedSerializer):
    type = ImageVariantTypeSerializer()

    class Meta:
        model = models.ImageVariant
        fields = ["id", "type", "image_url"]


class ImageSerializer(PlannedSerializer):
    license = ImageLicenseSerializer()
    variants = ImageVariantSerializer(many=True)

    class Meta:
        model = models.Image
        fields = ["id", "name", "image_url", "thumbnail_url", "credit", "license", "single_use", "variants"]
