from .views import LaunchViewSet

routes = [("launches", LaunchViewSet, "launch")]
