from spacedevs.api.viewsets import ModeViewSet

from .models import Expedition, SpaceStation, Spacewalk
from .serializers import ExpeditionNormalSerializer, SpaceStationNormalSerializer, SpacewalkListSerializer


class SpaceStationViewSet(ModeViewSet):
    """Space stations, in LL2's SpaceStationNormal form: the fields an event response carries."""

    queryset = SpaceStation.objects.order_by("id")
    serializer_classes = {"normal": SpaceStationNormalSerializer}
    default_list_mode = default_detail_mode = "normal"


class ExpeditionViewSet(ModeViewSet):
    """Expeditions, in LL2's ExpeditionNormal form: the fields an event response carries."""

    queryset = Expedition.objects.order_by("id")
    serializer_classes = {"normal": ExpeditionNormalSerializer}
    default_list_mode = default_detail_mode = "normal"


class SpacewalkViewSet(ModeViewSet):
    """Spacewalks, in LL2's `list` form (SpacewalkList): the fields an expedition carries."""

    queryset = Spacewalk.objects.order_by("id")
    serializer_classes = {"list": SpacewalkListSerializer}
    default_list_mode = default_detail_mode = "list"
