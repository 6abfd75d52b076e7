from spacedevs.api.queryplan import prefetched
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
LOOKUP_SERIALIZERS = (
    EventTypeSerializer,
    NetPrecisionSerializer,
    LaunchStatusSerializer,
    VidURLTypeSerializer,
    InfoURLTypeSerializer,
    LanguageSerializer,
    AgencyTypeSerializer,
    ProgramTypeSerializer,
    SpaceStationStatusSerializer,
    SpaceStationTypeSerializer,
    AstronautStatusSerializer,
    ImageVariantTypeSerializer,
    ImageLicenseSerializer,
)


class ImageVariantSerializer(PlannedSerializer):
    type = ImageVariantTypeSerializer()

    class Meta:
        model = models.ImageVariant
        fields = ["id", "type", "image_url"]

    @classmethod
    def query_plan(cls):
        return super().query_plan().one("type", ImageVariantTypeSerializer)


class ImageSerializer(PlannedSerializer):
    license = ImageLicenseSerializer()
    variants = ImageVariantSerializer(many=True, source=prefetched("variants"))

    class Meta:
        model = models.Image
        fields = ["id", "name", "image_url", "thumbnail_url", "credit", "license", "single_use", "variants"]

    @classmethod
    def query_plan(cls):
        return (
            super()
            .query_plan()
            .one("license", ImageLicenseSerializer)
            .many("variants", ImageVariantSerializer)
        )
