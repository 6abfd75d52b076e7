from spacedevs.api.stored import StoredDocumentsMixin
from spacedevs.api.viewsets import ModeViewSet

from .filters import EventFilterSet, UpcomingEventFilterSet, request_now
from .models import Event
from .serializers import EVENT_MODES


class EventViewSet(StoredDocumentsMixin, ModeViewSet):
    """Space events: dockings, spacewalks, flybys, landings, press events and more, by date."""

    queryset = Event.objects.all()
    filterset_class = EventFilterSet
    search_fields = ["name"]
    ordering_fields = ["date", "last_updated"]
    ordering = ["date"]
    filter_example = "type__ids=2,8"
    search_example = "Flyby"
    polymorphic_component_name = "PolymorphicEventsEndpoint"
    serializer_classes = EVENT_MODES
    documents_relation = "document"


class WindowedEventViewSet(EventViewSet):
    """Base of the routes whose events move with time (see ResponseCacheMiddleware)."""

    @classmethod
    def response_valid_until(cls, request):
        return Event.objects.next_window_change(request_now(request))


class UpcomingEventViewSet(WindowedEventViewSet):
    """Upcoming events, soonest first; events stay here for 24 hours after their date."""

    filterset_class = UpcomingEventFilterSet

    def get_queryset(self):
        return super().get_queryset().upcoming(request_now(self.request))


class PreviousEventViewSet(WindowedEventViewSet):
    """Past events, latest first."""

    ordering = ["-date"]

    def get_queryset(self):
        return super().get_queryset().previous(request_now(self.request))
