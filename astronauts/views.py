from spacedevs.api.viewsets import ModeViewSet

from .models import Astronaut
from .serializers import AstronautNormalSerializer


class AstronautViewSet(ModeViewSet):
    """Astronauts, in LL2's AstronautNormal form: the fields an event response carries."""

    queryset = Astronaut.objects.order_by("id")
    serializer_classes = {"normal": AstronautNormalSerializer}
    default_list_mode = default_detail_mode = "normal"
