from . import serializers
from .views import lookup_viewset

LOOKUPS = {
    "agency_types": serializers.AgencyTypeSerializer,
    "astronaut_statuses": serializers.AstronautStatusSerializer,
    "event_types": serializers.EventTypeSerializer,
    "image_licenses": serializers.ImageLicenseSerializer,
    "image_variant_types": serializers.ImageVariantTypeSerializer,
    "infourl_types": serializers.InfoURLTypeSerializer,
    "languages": serializers.LanguageSerializer,
    "launch_statuses": serializers.LaunchStatusSerializer,
    "net_precisions": serializers.NetPrecisionSerializer,
    "program_types": serializers.ProgramTypeSerializer,
    "space_station_statuses": serializers.SpaceStationStatusSerializer,
    "space_station_types": serializers.SpaceStationTypeSerializer,
    "vidurl_types": serializers.VidURLTypeSerializer,
}

routes = [
    (f"config/{name}", lookup_viewset(serializer), f"config-{name}") for name, serializer in LOOKUPS.items()
]
