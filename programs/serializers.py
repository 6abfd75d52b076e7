from agencies.serializers import AgencyMiniSerializer, MissionPatchSerializer
from config.serializers import ImageSerializer, ProgramTypeSerializer
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
    type = ProgramTypeSerializer()

    class Meta(ProgramMiniSerializer.Meta):
        fields = [
            "response_mode",
            "id",
            "url",
            "name",
            "image",
            "info_url",
            "wiki_url",
            "description",
            "agencies",
            "start_date",
            "end_date",
            "mission_patches",
            "type",
        ]
