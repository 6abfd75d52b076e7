"""The filters of LL2's events routes: comma lists are any-of, parameters combine with AND."""

from django.utils import timezone

from programs.models import Program
from spacedevs.api.filters import (
    DateTimeFilter,
    FilterSet,
    IntegerFilter,
    IntegerListFilter,
    RelatedIdChoicesFilter,
    RelatedIntegerListFilter,
    RelatedTextListFilter,
    RelatedUUIDListFilter,
    StrictBooleanFilter,
    TextFilter,
)

from .models import Event

DATE_HELP = (
    "ISO 8601 date-time, e.g. 2025-01-01T12:00:00Z; an offset or none (UTC) also works, or a date alone."
)


def request_now(request):
    """The request's "now", read once, so that every window of one request agrees."""
    if not hasattr(request, "ll2_now"):
        request.ll2_now = timezone.now()
    return request.ll2_now


def date_filter(field_name, lookup_expr, meaning, label):
    return DateTimeFilter(
        field_name=field_name, lookup_expr=lookup_expr, label=label, help_text=f"{meaning} {DATE_HELP}"
    )


def date_part_filter(part, minimum, maximum, description, label):
    """Any-of over comma-separated values of one part of the date (day, month, year), in UTC."""
    return IntegerListFilter(
        field_name="date",
        lookup_expr=f"{part}__in",
        label=label,
        min_value=minimum,
        max_value=maximum,
        help_text=description,
    )


class EventFilterSet(FilterSet):
    agency__ids = RelatedIntegerListFilter(
        label="Agency IDs", field_name="agencies", help_text="Comma-separated agency IDs."
    )
    date__gt = date_filter("date", "gt", "Date is greater than.", "Date after")
    date__gte = date_filter("date", "gte", "Date is greater than or equal to.", "Date from")
    date__lt = date_filter("date", "lt", "Date is less than.", "Date before")
    date__lte = date_filter("date", "lte", "Date is less than or equal to.", "Date until")
    day = date_part_filter(
        "day",
        1,
        31,
        "Day of the month of the date (UTC), 1-31. Multiple values may be separated by commas.",
        "Day of month",
    )
    expedition__ids = RelatedIntegerListFilter(
        label="Expedition IDs", field_name="expeditions", help_text="Comma-separated expedition IDs."
    )
    id = IntegerListFilter(
        label="Event IDs",
        field_name="id",
        lookup_expr="in",
        help_text="Event IDs. Multiple values may be separated by commas.",
    )
    last_updated__gte = date_filter(
        "last_updated", "gte", "Last Update is greater than or equal to.", "Updated from"
    )
    last_updated__lte = date_filter(
        "last_updated", "lte", "Last Update is less than or equal to.", "Updated until"
    )
    launch__ids = RelatedUUIDListFilter(
        label="Launch IDs", field_name="launches", help_text="Comma-separated launch IDs (UUIDs)."
    )
    month = date_part_filter(
        "month",
        1,
        12,
        "Month of the date (UTC), 1-12. Multiple values may be separated by commas.",
        "Month",
    )
    program = RelatedIdChoicesFilter(
        label="Programs",
        field_name="program",
        queryset=Program.objects.all(),
        help_text="Program IDs, repeating the parameter (program=1&program=2); an unknown ID is an error.",
    )
    program__ids = RelatedIntegerListFilter(
        label="Program IDs", field_name="program", help_text="Comma-separated program IDs."
    )
    slug = TextFilter(label="Slug", field_name="slug", help_text="The event's slug, exactly.")
    spacestation__ids = RelatedIntegerListFilter(
        label="Space station IDs", field_name="spacestations", help_text="Comma-separated space station IDs."
    )
    type = IntegerFilter(
        label="Event type", field_name="type_id", help_text="Event type ID (see /2.3.0/config/event_types/)."
    )
    type__ids = IntegerListFilter(
        label="Event type IDs",
        field_name="type_id",
        lookup_expr="in",
        help_text="Comma-separated event type IDs.",
    )
    video_url = RelatedTextListFilter(
        label="Video URLs",
        field_name="vid_urls__url",
        help_text="Comma-separated video URLs, matched exactly.",
    )
    year = date_part_filter(
        "year",
        1,
        9999,
        "Year of the date (UTC). Multiple values may be separated by commas.",
        "Year",
    )

    class Meta:
        model = Event
        fields = []


class UpcomingEventFilterSet(EventFilterSet):
    hide_recent_previous = StrictBooleanFilter(
        label="Hide recent events",
        method="hide_recent",
        help_text="Hide events from the past 24 hours, which are included by default for convenience.",
    )

    def hide_recent(self, queryset, name, value):
        return queryset.upcoming(request_now(self.request), hide_recent=value)
