from .views import EventViewSet, PreviousEventViewSet, UpcomingEventViewSet

# Upcoming and previous come first, so that "upcoming" is never read as an event id.
routes = [
    ("events/upcoming", UpcomingEventViewSet, "event-upcoming"),
    ("events/previous", PreviousEventViewSet, "event-previous"),
    ("events", EventViewSet, "event"),
]
