"""The three LL2 modes of an event: list ⊂ normal ⊂ detailed, each restating its keys in LL2's order."""

from drf_spectacular.utils import extend_schema_serializer

from agencies.serializers import AgencyMiniSerializer
from astronauts.serializers import AstronautNormalSerializer
from config.models import EventType, InfoURLType, Language, NetPrecision, VidURLType
from config.serializers import ImageSerializer, lookup_serializer
from launches.serializers import LaunchBasicSerializer
from programs.serializers import ProgramNormalSerializer
from spacedevs.api.fields import DurationField, LinkField
from spacedevs.api.serializers import ModeSerializer, PlannedSerializer
from spacestations.serializers import ExpeditionNormalSerializer, SpaceStationNormalSerializer

from .models import Event, InfoURL, Update, VidURL


class InfoURLSerializer(PlannedSerializer):
    type = lookup_serializer(InfoURLType)()
    language = lookup_serializer(Language)()

    class Meta:
        model = InfoURL
        fields = ["priority", "source", "title", "description", "feature_image", "url", "type", "language"]


class VidURLSerializer(PlannedSerializer):
    type = lookup_serializer(VidURLType)()
    language = lookup_serializer(Language)()

    class Meta:
        model = VidURL
        fields = [
            "priority",
            "source",
            "publisher",
            "title",
            "description",
            "feature_image",
            "url",
            "type",
            "language",
            "start_time",
            "end_time",
            "live",
        ]


class UpdateSerializer(PlannedSerializer):
    class Meta:
        model = Update
        fields = ["id", "profile_image", "comment", "info_url", "created_by", "created_on"]


@extend_schema_serializer(component_name="EventEndpointList")
class EventListSerializer(ModeSerializer):
    mode = "list"
    url = LinkField(view_name="event-detail")
    info_urls = InfoURLSerializer(many=True)
    vid_urls = VidURLSerializer(many=True)
    image = ImageSerializer()
    type = lookup_serializer(EventType)()
    date_precision = lookup_serializer(NetPrecision)()
    duration = DurationField()

    class Meta:
        model = Event
        fields = [
            "id",
            "url",
            "name",
            "info_urls",
            "vid_urls",
            "image",
            "date",
            "slug",
            "type",
            "description",
            "webcast_live",
            "location",
            "date_precision",
            "response_mode",
            "duration",
        ]


@extend_schema_serializer(component_name="EventEndpointNormal")
class EventNormalSerializer(EventListSerializer):
    mode = "normal"
    updates = UpdateSerializer(many=True)

    class Meta(EventListSerializer.Meta):
        fields = [*EventListSerializer.Meta.fields, "updates", "last_updated"]


@extend_schema_serializer(component_name="EventEndpointDetailed")
class EventDetailedSerializer(EventNormalSerializer):
    mode = "detailed"
    agencies = AgencyMiniSerializer(many=True)
    launches = LaunchBasicSerializer(many=True)
    expeditions = ExpeditionNormalSerializer(many=True)
    spacestations = SpaceStationNormalSerializer(many=True)
    program = ProgramNormalSerializer(many=True)
    astronauts = AstronautNormalSerializer(many=True)

    class Meta(EventNormalSerializer.Meta):
        fields = [
            *EventNormalSerializer.Meta.fields,
            "agencies",
            "launches",
            "expeditions",
            "spacestations",
            "program",
            "astronauts",
        ]


# The serializer of each mode, for the views, the stored documents and what an import reads.
EVENT_MODES = {
    "list": EventListSerializer,
    "normal": EventNormalSerializer,
    "detailed": EventDetailedSerializer,
}
