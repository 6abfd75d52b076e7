"""Events as iCalendar feeds (`?format=ics`, RFC 5545), built with the `icalendar` library."""

import datetime
import hashlib
import re

import orjson
from django.conf import settings
from django.http.request import split_domain_port
from django.urls import get_script_prefix, reverse
from django.utils.dateparse import parse_datetime, parse_duration
from icalendar import Calendar, Event, Timezone, TimezoneStandard, vDuration, vText
from rest_framework.renderers import BaseRenderer
from rest_framework.settings import api_settings

from spacedevs.api.filters import BoundedSearchFilter
from spacedevs.api.renderers import CALENDAR_MEDIA_TYPE, FastJSONRenderer
from spacedevs.held_bytes import HeldBytes

# The events of a feed: the first this many of its route, whatever `limit` says.
FEED_SIZE = 250
# What RFC 5545 allows in no TEXT value (§3.3.11): the control characters but the tab and line breaks (which
# Text escapes, each kind of them as `\n`).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# LL2's date precisions (NetPrecision ids) that give an event's time of day: the second, the minute, the
# hour. A coarser one (a local morning or afternoon, a day, a week, a month, a quarter, a half, a year) gives
# its date at most: such an event is one of a day (RFC 5545 §3.6.1), on its date in UTC, not a moment at
# midnight, which calendars west of UTC would show on the evening before.
TIMED_PRECISIONS = frozenset({0, 1, 2})
# How often a subscribed calendar app is asked to read a feed again (RFC 7986's REFRESH-INTERVAL, and
# X-PUBLISHED-TTL, which Outlook and Apple's Calendar read; each app otherwise polls at its own default):
# hourly, one of the 15 calls an hour that LL2's anonymous limit (the image's) allows an address.
REFRESH_INTERVAL = datetime.timedelta(hours=1)
# What a held VEVENT costs beyond its text: its key (the event's digest, the request's host and origin) and
# the bytes object and the dictionary's links; measured with tracemalloc.
ENTRY_OVERHEAD = 320
# Each event's VEVENT as iCalendar text, kept as feeds make it: icalendar takes about half a millisecond
# of CPU for one (it folds lines character by character), and a feed has up to 250. Held under the SHA-256
# of the event's representation and what the request puts in (its host, in UID, and origin, in URL): the
# same key, the same text, so what is held is never stale.
vevents_held = HeldBytes(settings.CALENDAR_EVENTS_BYTES, ENTRY_OVERHEAD)
END = b"END:VCALENDAR\r\n"


class ICalendarRenderer(BaseRenderer):
    """One VEVENT per event of a page (or the one event of `{id}/`), from the event's normal or detailed
    representation: UID from its id and the host, DTSTART its date (a day's, for a date coarser than the
    hour), DTEND its date plus `duration` when known, DTSTAMP and LAST-MODIFIED its `last_updated`, SUMMARY
    its name, DESCRIPTION its description and its webcast and information links, LOCATION, URL;
    X-WR-CALNAME names the route and its filters, REFRESH-INTERVAL and X-PUBLISHED-TTL how often to read it
    again. Errors, and OPTIONS' description of the route, stay
    JSON."""

    media_type = CALENDAR_MEDIA_TYPE
    format = "ics"
    charset = "utf-8"
    page_size = FEED_SIZE

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        request, view, response = (renderer_context.get(name) for name in ("request", "view", "response"))
        if request.method == "OPTIONS" or (response is not None and response.status_code >= 400):
            response["Content-Type"] = "application/json"
            return FastJSONRenderer().render(data)
        calendar = Calendar()
        calendar.add("prodid", "-//spacedevs-events//LL2 events replica//EN")
        calendar.add("version", "2.0")
        # As text: escaped, whatever the parameters hold (line breaks, commas, semicolons).
        calendar.add("x-wr-calname", text(calendar_name(view, request)))
        calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
        events = data.get("results", [data])
        if not events:
            # RFC 5545 wants a calendar of at least one component (§3.6): a filter that matches nothing yet
            # is still a calendar its subscribers' apps can read.
            calendar.add_component(utc_timezone())
        # The events' components go last, before the calendar's end, as icalendar writes them.
        return calendar.to_ical().removesuffix(END) + b"".join(vevents(events, request)) + END


def calendar_name(view, request):
    """The route's title, and the filters that chose its events, as the view read them (among the
    parameters the route knows, each repeated one's last value but `program`'s, none empty: the others
    chose nothing): `Upcoming events (type__ids=2)`."""
    paging = view.pagination_class
    # The parameters that shape a feed's page rather than choose its events.
    shaping = {api_settings.URL_FORMAT_OVERRIDE, paging.limit_query_param, paging.offset_query_param}
    filters = set(view.query_parameter_names()) - shaping - {view.mode_param}
    if not BoundedSearchFilter().get_search_terms(request):  # spaces or commas alone: no terms, as none
        filters.discard(BoundedSearchFilter.search_param)
    filters = ", ".join(
        f"{name}={value}"
        for name, values in sorted(request.query_params.lists())
        if name in filters
        for value in (values if view.reads_every_value(name) else values[-1:])
        if value
    )
    return f"{view.feed_title} ({filters})" if filters else view.feed_title


def utc_timezone():
    """A VTIMEZONE for UTC (icalendar's `Timezone.from_tzid` takes 17 ms to find the same)."""
    standard = TimezoneStandard()
    standard.add("dtstart", datetime.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", datetime.timedelta(0))
    standard.add("tzoffsetto", datetime.timedelta(0))
    standard.add("tzname", "UTC")
    zone = Timezone()
    zone.add("tzid", "UTC")
    zone.add_component(standard)
    return zone


def vevents(events, request):
    """Each of the `events`' VEVENT as iCalendar text: held (vevents_held), or made and held."""
    origin = (uid_host(request), request.build_absolute_uri(get_script_prefix()))
    keys = [(hashlib.sha256(orjson.dumps(event)).digest(), *origin) for event in events]
    held = vevents_held.get_many(keys)
    texts = []
    for key, event in zip(keys, events, strict=True):
        text = held.get(key)
        if text is None:
            text = vevent(event, request).to_ical()
            vevents_held.keep(key, text)
        texts.append(text)
    return texts


# The port each scheme has when none is given.
DEFAULT_PORTS = {"http": "80", "https": "443"}


def uid_host(request):
    """The host in the UIDs of a request's events, one however a subscriber spelt the feed's URL: in lower
    case (RFC 3986 §3.2.2), with no trailing dot, its port without leading zeros (§6.2.3: `:080` is `:80`),
    and no port where it is the scheme's own."""
    domain, port = split_domain_port(request.get_host())
    port = port and (
        port.lstrip("0") or "0"
    )  # up to five digits (Django's and HostBoundsMiddleware's checks)
    return domain if port in ("", DEFAULT_PORTS.get(request.scheme)) else f"{domain}:{port}"


def vevent(event, request):
    item = Event()
    start = parse_datetime(event["date"])
    updated = parse_datetime(event["last_updated"])
    item.add("uid", f"{event['id']}@{uid_host(request)}")
    item.add("dtstamp", updated)
    item.add("last-modified", updated)
    timed = is_timed(event)
    if timed:
        item.add("dtstart", start)
        end = end_of(start, event["duration"])
        if end is not None:
            item.add("dtend", end)
    else:
        item.add("dtstart", day_of(start))
    # A text with nothing to say (no description, no links) is left out, not an empty property.
    for name, value in (
        ("summary", event["name"]),
        ("description", description(event, timed)),
        ("location", event["location"]),
    ):
        written = text(value or "")
        if written:
            item.add(name, written)
    # The event itself, not this feed: its `url` has the feed's format (`?format=ics`, or `.ics` in a path).
    item.add("url", request.build_absolute_uri(reverse("event-detail", args=[event["id"]])))
    return item


def day_of(start):
    """The start of a day's event: its date in UTC, one day long without an end (RFC 5545 §3.6.1); but the
    last day of 9999, whose day would end in the year 10000, where calendars' dates fail (icalendar's own
    end of it overflows), is its first moment, with no end."""
    day = start.astimezone(datetime.UTC).date()
    return day if day < datetime.date.max else datetime.datetime.combine(day, datetime.time(), datetime.UTC)


def end_of(start, duration):
    """When an event that starts at `start` and lasts `duration` (as the API writes it, or None) ends, in the
    whole seconds iCalendar's times have: None when unknown, not after its start (RFC 5545 wants an end
    after it), or past the year 9999."""
    if not duration:
        return None
    try:
        end = (start + parse_duration(duration)).replace(microsecond=0)
    except OverflowError:
        return None
    return end if end > start.replace(microsecond=0) else None


def text(value):
    """`value` as a TEXT value, without the control characters one cannot hold (a search for `ISS\\x0b`)."""
    return Text(CONTROL_CHARACTERS.sub("", value))


class Text(vText):
    """A TEXT value escaped as RFC 5545 says (§3.3.11), each backslash as `\\\\`: icalendar's own escaping
    takes a `\\N` in the text (`C:\\Nodes`) for a line break. Line breaks, of any kind, are `\\n`."""

    def to_ical(self):
        escaped = str(self).replace("\\", "\\\\").replace(";", r"\;").replace(",", r"\,")
        return LINE_BREAKS.sub(r"\\n", escaped).encode(self.encoding)


def is_timed(event):
    """Whether the event's date gives its time of day (see TIMED_PRECISIONS); one with no precision is taken
    at its word."""
    precision = event["date_precision"]
    return precision is None or precision["id"] in TIMED_PRECISIONS


def description(event, timed):
    """Its description, after what its date is accurate to when that is coarser than the hour (not `timed`),
    then its webcast and information links."""
    parts = [event["description"]]
    if not timed:
        precision = event["date_precision"]
        parts.insert(0, precision["description"] or precision["name"])
    webcasts = [link["url"] for link in event["vid_urls"]]
    more = [link["url"] for link in event["info_urls"]]
    if webcasts:
        parts.append("Webcasts:\n" + "\n".join(webcasts))
    if more:
        parts.append("More:\n" + "\n".join(more))
    return "\n\n".join(part for part in parts if part)
