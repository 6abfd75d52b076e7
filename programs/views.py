from spacedevs.api.viewsets import ModeViewSet

from .models import Program
from .serializers import ProgramMiniSerializer, ProgramNormalSerializer


class ProgramViewSet(ModeViewSet):
    """Programs, as LL2 serves them: ProgramMini in `list` mode, ProgramNormal otherwise."""

    queryset = Program.objects.order_by("id")
    polymorphic_component_name = "PolymorphicProgramEndpoint"
    serializer_classes = {"list": ProgramMiniSerializer, "normal": ProgramNormalSerializer}
    default_detail_mode = "normal"
