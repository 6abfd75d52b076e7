from agencies.serializers import AgencyMiniSerializer
from config.models import AstronautStatus
from config.serializers import ImageSerializer, lookup_serializer
from spacedevs.api.fields import LinkField
from spacedevs.api.serializers import PlannedSerializer

from .models import Astronaut


class AstronautNormalSerializer(PlannedSerializer):
    """LL2's AstronautNormal, the form events embed; it has no `response_mode`."""

    url = LinkField(view_name="astronaut-detail")
    status = lookup_serializer(AstronautStatus)()
    agency = AgencyMiniSerializer()
    image = ImageSerializer()

    class Meta:
        model = Astronaut
        fields = ["id", "url", "name", "status", "agency", "image"]
