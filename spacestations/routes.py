from .views import ExpeditionViewSet, SpaceStationViewSet, SpacewalkViewSet

routes = [
    ("space_stations", SpaceStationViewSet, "spacestation"),
    ("expeditions", ExpeditionViewSet, "expedition"),
    ("spacewalks", SpacewalkViewSet, "spacewalk"),
]
