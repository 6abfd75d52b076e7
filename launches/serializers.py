from config.models import LaunchStatus, NetPrecision
from config.serializers import ImageSerializer, lookup_serializer
from spacedevs.api.fields import LinkField
from spacedevs.api.serializers import ModeSerializer

from .models import Launch


class LaunchBasicSerializer(ModeSerializer):
    """LL2's LaunchBasic: the `list` form of a launch, which is also how events embed launches."""

    mode = "list"
    url = LinkField(view_name="launch-detail")
    status = lookup_serializer(LaunchStatus)()
    net_precision = lookup_serializer(NetPrecision)()
    image = ImageSerializer()

    class Meta:
        model = Launch
        fields = [
            "id",
            "url",
            "name",
            "response_mode",
            "slug",
            "launch_designator",
            "status",
            "last_updated",
            "net",
            "net_precision",
            "window_end",
            "window_start",
            "image",
            "infographic",
        ]
