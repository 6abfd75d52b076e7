import datetime

from spacedevs.api.viewsets import ModeViewSet

from .filters import EventFilterSet, UpcomingEventFilterSet, request_now
from .models import Event
from .serializers import EventDetailedSerializer, EventListSerializer, EventNormalSerializer

RECENT_GRACE = datetime.timedelta(hours=24)


def events_help(path, filterset_class):
    """LL2's help text for an events route, shown on the browsable API (Markdown); LL2 lists the filters
    in alphabetical order."""
    filters = sorted(filterset_class.base_filters)
    return f"""
#### Modes
Levels of detail in the response - `list`, `normal`, `detailed`
Example - [/{path}/?mode=list](./?mode=list)

#### Filters
Parameters - {", ".join(f"`{name}`" for name in filters)}
Example - [/{path}/?type__ids=2,8](./?type__ids=2,8)

#### Search
Fields searched - `name`
Example - [/{path}/?search=Flyby](./?search=Flyby)

#### Ordering
Fields - `date`, `last_updated`
Example - [/{path}/?ordering=-last_updated](./?ordering=-last_updated)

#### Number of results
Use `limit` to control the number of objects in the response (max 100)
Example - [/{path}/?limit=2](./?limit=2)

#### Format
Switch to JSON output - [/{path}/?format=json](./?format=json)

#### Help
Find all the FAQs and support links on the documentation homepage - [ll.thespacedevs.com/docs](https://ll.thespacedevs.com/docs/)
"""


class EventViewSet(ModeViewSet):
    __doc__ = events_help("events", EventFilterSet)
    queryset = Event.objects.all()
    filterset_class = EventFilterSet
    search_fields = ["name"]
    ordering_fields = ["date", "last_updated"]
    ordering = ["date"]
    polymorphic_component_name = "PolymorphicEventsEndpoint"
    serializer_classes = {
        "list": EventListSerializer,
        "normal": EventNormalSerializer,
        "detailed": EventDetailedSerializer,
    }


class UpcomingEventViewSet(EventViewSet):
    __doc__ = events_help("events/upcoming", UpcomingEventFilterSet)
    filterset_class = UpcomingEventFilterSet

    def get_queryset(self):
        # LL2 keeps events in upcoming for 24 hours after their date; "now" is read per request.
        return super().get_queryset().filter(date__gte=request_now(self.request) - RECENT_GRACE)


class PreviousEventViewSet(EventViewSet):
    __doc__ = events_help("events/previous", EventFilterSet)
    ordering = ["-date"]

    def get_queryset(self):
        return super().get_queryset().filter(date__lt=request_now(self.request))
