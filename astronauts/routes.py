from .views import AstronautViewSet

routes = [("astronauts", AstronautViewSet, "astronaut")]
