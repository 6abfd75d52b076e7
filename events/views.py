from django.conf import settings
from django.core.cache import caches
from rest_framework.settings import api_settings

from spacedevs.api.stored import StoredDocumentsMixin
from spacedevs.api.viewsets import ModeViewSet
from spacedevs.response_cache import cache_derived
from spacedevs.sources import response_code

from .calendar import ICalendarRenderer
from .documents import fingerprint
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
    documents_fingerprint = staticmethod(fingerprint)
    # `?format=ics`: the route as a calendar feed (events/calendar.py).
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, ICalendarRenderer]
    feed_title = "Space events"

    def get_mode(self):
        mode = super().get_mode()
        # A feed needs what the list mode leaves out (`last_updated`).
        is_feed = isinstance(getattr(self.request, "accepted_renderer", None), ICalendarRenderer)
        return "normal" if is_feed and mode == "list" else mode


class WindowedEventViewSet(EventViewSet):
    """Base of the routes whose events move with time (see ResponseCacheMiddleware)."""

    @classmethod
    def response_valid_until(cls, request):
        """The end of the request's window: the first moment after which the answer may change.

        The windows' contents are the same at every moment of a window, so it is looked up once per data
        version and window, and the request's "now" becomes the moment its window was first seen: every
        request in a window then runs the same SQL, and its count is counted once.
        """
        now = request_now(request)
        cache = caches[settings.RESPONSE_CACHE_ALIAS]
        key = f"window-change:{response_code()}:{request.data_state.tag}"
        known = cache.get(key)
        if known is not None:
            known_at, known_change = known
            if known_at <= now and (known_change is None or now < known_change):
                request.ll2_now = known_at
                return known_change
        change = Event.objects.next_window_change(now)
        cache_derived(request, key, (now, change))
        return change


class UpcomingEventViewSet(WindowedEventViewSet):
    """Upcoming events, soonest first; events stay here for 24 hours after their date."""

    feed_title = "Upcoming space events"

    filterset_class = UpcomingEventFilterSet

    def get_unplanned_queryset(self):
        return super().get_unplanned_queryset().upcoming(request_now(self.request))


class PreviousEventViewSet(WindowedEventViewSet):
    """Past events, latest first."""

    feed_title = "Past space events"

    ordering = ["-date"]

    def get_unplanned_queryset(self):
        return super().get_unplanned_queryset().previous(request_now(self.request))
