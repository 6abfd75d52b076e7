from .serializers import LOOKUP_SERIALIZERS
from .views import lookup_viewset

routes = [
    (f"config/{name}", lookup_viewset(serializer), f"config-{name}")
    for name, serializer in LOOKUP_SERIALIZERS.items()
]
