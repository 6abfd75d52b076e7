from .views import AgencyViewSet

routes = [("agencies", AgencyViewSet, "agency")]
