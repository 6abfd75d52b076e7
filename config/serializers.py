from functools import cache

from spacedevs.api.serializers import PlannedSerializer

from . import models


@cache
def lookup_serializer(lookup_model):
    """The plain serializer of a lookup: all its columns, in declaration order (LL2's order)."""
    meta = type("Meta", (), {"model": lookup_model, "fields": [f.name for f in lookup_model._meta.fields]})
    return type(f"{lookup_model.__name__}Serializer", (PlannedSerializer,), {"Meta": meta})


LOOKUP_SERIALIZERS = {name: lookup_serializer(model) for name, model in models.LOOKUPS.items()}


class ImageVariantSerializer(PlannedSerializer):
    type = lookup_serializer(models.ImageVariantType)()

    class Meta:
        model = models.ImageVariant
        fields = ["id", "type", "image_url"]


class ImageSerializer(PlannedSerializer):
    license = lookup_serializer(models.ImageLicense)()
    variants = ImageVariantSerializer(many=True)

    class Meta:
        model = models.Image
        fields = ["id", "name", "image_url", "thumbnail_url", "credit", "license", "single_use", "variants"]
