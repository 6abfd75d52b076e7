from rest_framework import serializers

from agencies.serializers import AgencyMiniSerializer, MissionPatchSerializer
from config.serializers import ImageSerializer, ProgramTypeSerializer
from spacedevs.api.queryplan import prefetched
from spacedevs.api.serializers import ModeSerializer

from .models import Program


class ProgramMiniSerializer(ModeSerializer):
    mode = "list"
    url = serializers.HyperlinkedIdentityField(view_name="program-detail")
    image = ImageSerializer()

    class Meta:
        model = Program
        fields = ["response_mode", "id", "url", "name", "image", "info_url", "wiki_url"]

    @classmethod
    def query_plan(cls):
        return super().query_plan().one("image", ImageSerializer)


class ProgramNormalSerializer(ProgramMiniSerializer):
    """LL2's ProgramNormal, the form events embed."""

    mode = "normal"
    agencies = AgencyMiniSerializer(many=True, source=prefetched("agencies"))
    mission_patches = MissionPatchSerializer(many=True, source=prefetched("mission_patches"))
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

    @classmethod
    def query_plan(cls):
        return (
            super()
            .query_plan()
            .many("agencies", AgencyMiniSerializer, "programagency__position")
            .many("mission_patches", MissionPatchSerializer, "programmissionpatch__position")
            .one("type", ProgramTypeSerializer)
        )
