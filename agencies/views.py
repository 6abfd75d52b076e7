from spacedevs.api.viewsets import ModeViewSet

from .models import Agency
from .serializers import AgencyMiniSerializer


class AgencyViewSet(ModeViewSet):
    """Agencies, in LL2's `list` form (AgencyMini): the fields an event response carries."""

    queryset = Agency.objects.order_by("id")
    serializer_classes = {"list": AgencyMiniSerializer}
    default_list_mode = default_detail_mode = "list"
