from agencies.serializers import MissionPatchSerializer
from config.models import SpaceStationStatus, SpaceStationType
from config.serializers import ImageSerializer, lookup_serializer
from spacedevs.api.fields import DurationField, LinkField
from spacedevs.api.serializers import ModeSerializer, PlannedSerializer

from .models import Expedition, SpaceStation, Spacewalk


class SpaceStationNormalSerializer(PlannedSerializer):
    """LL2's SpaceStationNormal, the form events and expeditions embed; it has no `response_mode`."""

    url = LinkField(view_name="spacestation-detail")
    image = ImageSerializer()
    status = lookup_serializer(SpaceStationStatus)()
    type = lookup_serializer(SpaceStationType)()

    class Meta:
        model = SpaceStation
        fields = [
            "id",
            "url",
            "name",
            "image",
            "status",
            "founded",
            "deorbited",
            "description",
            "orbit",
            "type",
        ]


class SpacewalkListSerializer(ModeSerializer):
    mode = "list"
    url = LinkField(view_name="spacewalk-detail")
    duration = DurationField()

    class Meta:
        model = Spacewalk
        fields = ["response_mode", "id", "url", "name", "start", "end", "duration", "location"]


class ExpeditionNormalSerializer(ModeSerializer):
    """LL2's ExpeditionNormal, the form events embed."""

    mode = "normal"
    url = LinkField(view_name="expedition-detail")
    spacestation = SpaceStationNormalSerializer()
    mission_patches = MissionPatchSerializer(many=True)
    spacewalks = SpacewalkListSerializer(many=True)

    class Meta:
        model = Expedition
        fields = [
            "id",
            "url",
            "name",
            "start",
            "end",
            "response_mode",
            "spacestation",
            "mission_patches",
            "spacewalks",
        ]
