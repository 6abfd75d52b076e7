from .views import ProgramViewSet

routes = [("programs", ProgramViewSet, "program")]
