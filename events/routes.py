from .views import EventViewSet, PreviousEventViewSet, UpcomingEventViewSet

routes = [
    ("events/upcoming", UpcomingEventViewSet, "event-upcoming"),
    ("events/previous", PreviousEventViewSet, "event-previous"),
    ("events", EventViewSet, "event"),
]
