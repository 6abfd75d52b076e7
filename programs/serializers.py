from agencies.serializers import AgencyMiniSerializer, MissionPatchSerializer
from config.models import ProgramType
from config.serializers import ImageSerializer, lookup_serializer
from spacedevs.api.fields import LinkField
from spacedevs.api.serializers import ModeSerializer

from .models import Program


class ProgramMiniSerializer(ModeSerializer):
    mode = "list"
    url = LinkField(view_name="program-detail")
    image = ImageSerializer()

    class Meta:
        model = Program
        fields = ["response_mode", "id", "url", "name", "image", "info_url", "wiki_url"]


class ProgramNormalSerializer(ProgramMiniSerializer):
    """LL2's ProgramNormal, the form events embed."""

    mode = "normal"
    agencies = AgencyMiniSerializer(many=True)
    mission_patches = MissionPatchSerializer(many=True)
    type = lookup_serializer(ProgramType)()

    class Meta(ProgramMiniSerializer.Meta):
        fields = [
            *ProgramMiniSerializer.Meta.fields,
            "description",
            "agencies",
            "start_date",
            "end_date",
            "mission_patches",
            "type",
        ]
