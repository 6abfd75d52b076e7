from spacedevs.api.viewsets import ModeViewSet

from .models import Launch
from .serializers import LaunchBasicSerializer


class LaunchViewSet(ModeViewSet):
    """Launches, in LL2's `list` form (LaunchBasic): the fields an event response carries."""

    queryset = Launch.objects.order_by("net", "id")
    serializer_classes = {"list": LaunchBasicSerializer}
    default_list_mode = default_detail_mode = "list"
