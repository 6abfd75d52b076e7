from config.models import AgencyType
from config.serializers import lookup_serializer
from spacedevs.api.fields import LinkField
from spacedevs.api.serializers import ModeSerializer

from .models import Agency, MissionPatch


class AgencyMiniSerializer(ModeSerializer):
    """LL2's AgencyMini: the `list` form, which is also how every other resource embeds an agency."""

    mode = "list"
    url = LinkField(view_name="agency-detail")
    type = lookup_serializer(AgencyType)()

    class Meta:
        model = Agency
        fields = ["response_mode", "id", "url", "name", "abbrev", "type"]


class MissionPatchSerializer(ModeSerializer):
    mode = "normal"
    agency = AgencyMiniSerializer()

    class Meta:
        model = MissionPatch
        fields = ["id", "name", "priority", "image_url", "agency", "response_mode"]
