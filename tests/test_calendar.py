"""`?format=ics`: every list route and `{id}/` as an iCalendar feed, read back by two independent parsers
(icalendar and vobject) with the values the JSON API gives for the same events."""

import datetime
import re

import icalendar
import pytest
import vobject
from django.utils.dateparse import parse_datetime

from events.calendar import ICalendarRenderer, vevents_held
from events.models import Event
from ingest.records import ingest_records

from .conftest import fixture_events

JSON = {"HTTP_ACCEPT": "application/json"}
pytestmark = pytest.mark.usefixtures("all_fixtures")


def json_events(client, path):
    """Every event `path` (a list route and its filters) gives in JSON, in order, in normal mode."""
    events, url = [], f"{path}{'&' if '?' in path else '?'}mode=normal&limit=100"
    while url:
        page = client.get(url, **JSON).json()
        events += page["results"]
        url = page["next"]
    return events


def parsed(response):
    """The feed by icalendar, and by vobject: the same events, in the same order."""
    assert (response.status_code, response["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    first = icalendar.Calendar.from_ical(response.content)
    second = vobject.readOne(response.content.decode())
    events = first.walk("VEVENT")
    others = second.contents.get("vevent", [])
    assert [str(event["UID"]) for event in events] == [other.uid.value for other in others]
    return first, events, others


# The date precisions that give a time of day, by LL2's names: any other makes an event a day's.
TIMED = {None, "Second", "Minute", "Hour"}


def expected_fields(event):
    start = parse_datetime(event["date"])
    precision = event["date_precision"]
    if (precision and precision["name"]) not in TIMED:
        start = start.date()
    return {
        "uid": f"{event['id']}@testserver",
        "summary": event["name"],
        "start": start,
        "stamp": parse_datetime(event["last_updated"]),
        "url": f"http://testserver/2.3.0/events/{event['id']}/",
        "location": event["location"],
    }


def fields_by_icalendar(event):
    return {
        "uid": str(event["UID"]),
        "summary": str(event["SUMMARY"]),
        "start": event["DTSTART"].dt,
        "stamp": event["DTSTAMP"].dt,
        "url": str(event["URL"]),
        "location": str(event["LOCATION"]) if "LOCATION" in event else None,
    }


def fields_by_vobject(event):
    return {
        "uid": event.uid.value,
        "summary": event.summary.value,
        "start": event.dtstart.value,
        "stamp": event.dtstamp.value,
        "url": event.url.value,
        "location": event.location.value if hasattr(event, "location") else None,
    }


def test_an_event_is_a_calendar_of_one(client):
    event = client.get("/2.3.0/events/352/", **JSON).json()
    calendar, [by_icalendar], [by_vobject] = parsed(client.get("/2.3.0/events/352/?format=ics"))
    assert fields_by_icalendar(by_icalendar) == fields_by_vobject(by_vobject) == expected_fields(event)
    assert by_icalendar["DTEND"].dt - by_icalendar["DTSTART"].dt == datetime.timedelta(
        hours=1, minutes=5, seconds=34
    )
    assert by_vobject.dtend.value == by_icalendar["DTEND"].dt
    assert by_icalendar["LAST-MODIFIED"].dt == parse_datetime(event["last_updated"])
    description = by_vobject.description.value
    assert description.startswith(event["description"])
    for link in event["vid_urls"]:
        assert link["url"] in description
    assert str(calendar["X-WR-CALNAME"]) == "Space events"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/2.3.0/events/", "Space events"),
        ("/2.3.0/events/upcoming/?type__ids=2", "Upcoming space events (type__ids=2)"),
        (
            "/2.3.0/events/previous/?search=ISS&ordering=-date",
            "Past space events (ordering=-date, search=ISS)",
        ),
        ("/events/?program=17&program=10", "Space events (program=17, program=10)"),
        # Read as the view reads them: a repeated parameter's last value, and an empty one is none.
        ("/2.3.0/events/?type__ids=8&type__ids=2&search=&ordering=", "Space events (type__ids=2)"),
        ("/2.3.0/events/?type__ids=2&type__ids=", "Space events"),
        # Text escaped as iCalendar's; a parameter the route does not know chose nothing.
        ("/2.3.0/events/?search=ISS%0A&type__ids=2,8&x=a%0Ab", "Space events (search=ISS\n, type__ids=2,8)"),
    ],
)
def test_a_feed_holds_every_event_of_its_route_and_filters(client, path, name):
    expected = json_events(client, path)
    feed = f"{path}{'&' if '?' in path else '?'}format=ics&limit=5"  # a feed's own size, whatever limit says
    response = client.get(feed)
    _, events, others = parsed(response)
    assert vobject.readOne(response.content.decode()).x_wr_calname.value == name
    assert [fields_by_icalendar(event) for event in events] == [expected_fields(event) for event in expected]
    assert [fields_by_vobject(event) for event in others] == [expected_fields(event) for event in expected]
    assert len(expected) > 5 or path != "/2.3.0/events/"


@pytest.mark.parametrize(
    ("precision", "date", "start"),
    [
        (
            {"id": 0, "name": "Second"},
            "2026-03-06T01:30:00Z",
            datetime.datetime(2026, 3, 6, 1, 30, tzinfo=datetime.UTC),
        ),
        (
            {"id": 2, "name": "Hour"},
            "2026-03-06T01:00:00Z",
            datetime.datetime(2026, 3, 6, 1, tzinfo=datetime.UTC),
        ),
        ({"id": 5, "name": "Day"}, "2026-03-06T01:00:00Z", datetime.date(2026, 3, 6)),
        ({"id": 7, "name": "Month"}, "2026-05-31T00:00:00Z", datetime.date(2026, 5, 31)),
        ({"id": 10, "name": "Quarter 3"}, "2027-09-30T00:00:00Z", datetime.date(2027, 9, 30)),
        ({"id": 14, "name": "Year"}, "2027-12-31T00:00:00Z", datetime.date(2027, 12, 31)),
    ],
    ids=lambda value: value["name"] if isinstance(value, dict) else None,
)
def test_an_event_whose_date_is_coarser_than_the_hour_is_a_days(client, precision, date, start):
    """Calendars show a date at midnight UTC on the evening before west of UTC: an event known to the day,
    month, quarter or year is one of a day on its date (RFC 5545 §3.6.1, no end: one day long), and its
    description begins with what its date is accurate to."""
    described = {
        **precision,
        "abbrev": precision["name"][:3].upper(),
        "description": f"To the {precision['name']}.",
    }
    ingest_records([fixture_events()[352] | {"date": date, "date_precision": described}], source="test")
    response = client.get("/2.3.0/events/352/?format=ics")
    _, [by_icalendar], [by_vobject] = parsed(response)
    assert by_icalendar["DTSTART"].dt == by_vobject.dtstart.value == start
    timed = isinstance(start, datetime.datetime)
    assert ("DTEND" in by_icalendar, hasattr(by_vobject, "dtend")) == (timed, timed)
    first_line = by_vobject.description.value.split("\n")[0]
    assert (first_line == described["description"]) is not timed
    line = f"DTSTART:{start:%Y%m%dT%H%M%SZ}" if timed else f"DTSTART;VALUE=DATE:{start:%Y%m%d}"
    assert f"{line}\r\n".encode() in response.content


def test_a_days_event_on_the_last_day_of_9999_is_its_first_moment(client):
    # One day long, it would end in the year 10000, where calendars' dates fail.
    year = {"id": 14, "name": "Year", "abbrev": "YEAR", "description": "To the year."}
    ingest_records(
        [fixture_events()[352] | {"date": "9999-12-31T23:59:59Z", "date_precision": year}], source="test"
    )
    response = client.get("/2.3.0/events/352/?format=ics")
    _, [by_icalendar], [by_vobject] = parsed(response)
    midnight = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)
    assert (by_icalendar.start, by_icalendar.end, by_vobject.dtstart.value) == (midnight, midnight, midnight)
    assert b"DTSTART:99991231T000000Z\r\n" in response.content
    assert b"DTEND" not in response.content
    assert by_vobject.description.value.split("\n")[0] == "To the year."


def test_an_events_uid_is_the_same_in_any_spelling_of_the_host(client):
    uids = {
        str(event["UID"])
        for host in ("testserver", "TestServer", "testserver.", "TESTSERVER.:80")
        for event in parsed(client.get("/2.3.0/events/352/?format=ics", HTTP_HOST=host))[1]
    }
    assert uids == {"352@testserver"}
    other_port = {
        str(event["UID"])
        # A leading zero, within a port's five digits.
        for host in ("TestServer:8000", "testserver:08000")
        for event in parsed(client.get("/2.3.0/events/352/?format=ics", HTTP_HOST=host))[1]
    }
    assert other_port == {"352@testserver:8000"}
    # More digits than any port has (past the 4,300 that Python's int() takes, too) is a 400, as an unknown
    # host is: every link of a response repeats the host as it came (spacedevs/middleware.py).
    refused = client.get("/2.3.0/events/352/?format=ics", HTTP_HOST=f"testserver:{'0' * 4300}8000")
    assert (refused.status_code, refused.json()) == (400, {"detail": "Bad request."})


def test_a_feed_stops_at_its_cap(client, monkeypatch):
    monkeypatch.setattr(ICalendarRenderer, "page_size", 3)
    _, events, _ = parsed(client.get("/2.3.0/events/?format=ics"))
    assert [str(event["UID"]) for event in events] == [
        f"{event['id']}@testserver" for event in json_events(client, "/2.3.0/events/")[:3]
    ]


def test_calendar_apps_poll_hourly_and_cheaply(client):
    first = client.get("/2.3.0/events/upcoming/?format=ics")
    calendar, _, _ = parsed(first)
    assert (calendar["REFRESH-INTERVAL"].dt, str(calendar["X-PUBLISHED-TTL"])) == (
        datetime.timedelta(hours=1),
        "PT1H",
    )
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n" in first.content
    again = client.get("/2.3.0/events/upcoming/?format=ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("day=40", {"day": ["Ensure this value is less than or equal to 31."]}),
        ("limit=abc", {"limit": ["A whole number is required."]}),  # a limit the feed leaves unused
        ("limit=0", {"limit": ["Ensure this value is at least 1."]}),
    ],
)
def test_a_bad_parameter_is_still_a_json_400(client, query, body):
    response = client.get(f"/2.3.0/events/?format=ics&{query}")
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == body


@pytest.mark.parametrize(
    ("date", "duration"),
    [
        ("2026-03-06T12:00:00Z", "P3000000D"),
        ("9999-12-31T12:00:00Z", "P2D"),
        ("2026-03-06T12:00:00Z", "-PT1H"),
        ("2026-03-06T12:00:00Z", "PT0.5S"),
    ],
    ids=["past-the-year-9999", "starting-on-its-last-day", "negative", "under-a-second"],
)
def test_an_event_whose_end_is_no_date_after_its_start_has_none(client, date, duration):
    record = fixture_events()[352] | {"date": date, "duration": duration}
    ingest_records([record], source="test")
    _, [event], _ = parsed(client.get("/2.3.0/events/352/?format=ics"))
    assert (event["DTSTART"].dt, "DTEND" in event) == (parse_datetime(date), False)


def test_an_end_in_fractions_of_a_second_is_in_whole_seconds(client):
    ingest_records(
        [fixture_events()[352] | {"date": "2026-03-06T12:00:00Z", "duration": "PT5.5S"}], source="test"
    )
    for path in ("/2.3.0/events/352/?format=ics", "/2.3.0/events/?format=ics"):
        _, events, _ = parsed(client.get(path))
        [event] = [event for event in events if str(event["UID"]) == "352@testserver"]
        assert event["DTEND"].dt - event["DTSTART"].dt == datetime.timedelta(seconds=5)
    assert b"DTEND:20260306T120005Z\r\n" in client.get("/2.3.0/events/352/?format=ics").content


def test_a_feed_that_matches_nothing_is_still_a_calendar(client):
    response = client.get("/2.3.0/events/?type__ids=99999&format=ics")
    calendar, events, others = parsed(response)
    assert (events, others) == ([], [])
    # RFC 5545 §3.6: at least one component.
    assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE"]
    assert str(calendar["X-WR-CALNAME"]) == "Space events (type__ids=99999)"


def test_text_holds_no_control_character(client):
    record = fixture_events()[352] | {
        "name": "Qzxw\x07 docking",
        "location": "ISS\x1b",
        "description": "a\x7fb",
    }
    ingest_records([record], source="test")
    response = client.get("/2.3.0/events/?format=ics&search=Qzxw%0B")
    calendar, [_], [other] = parsed(response)
    assert str(calendar["X-WR-CALNAME"]) == "Space events (search=Qzxw)"
    assert (other.summary.value, other.location.value) == ("Qzxw docking", "ISS")
    assert other.description.value.startswith("ab")
    # Nothing but the line ends and tabs RFC 5545 allows.
    assert re.findall(rb"[\x00-\x08\x0a-\x1f\x7f]", response.content.replace(b"\r\n", b"")) == []


def test_a_text_with_nothing_to_say_is_no_property(client):
    record = fixture_events()[352] | {"name": "\x07", "description": "", "vid_urls": [], "info_urls": []}
    ingest_records([record], source="test")
    response = client.get("/2.3.0/events/352/?format=ics")
    _, [event], [other] = parsed(response)
    assert ("SUMMARY" in event, "DESCRIPTION" in event, "LOCATION" in event) == (False, False, True)
    assert not hasattr(other, "description")
    assert b"\r\nDESCRIPTION" not in response.content


@pytest.mark.parametrize("search", ["%20%20", "%2C", "%20%2C%09"])
def test_a_search_of_no_terms_is_not_in_the_feeds_name(client, search):
    response = client.get(f"/2.3.0/events/?format=ics&search={search}&type__ids=2")
    assert str(parsed(response)[0]["X-WR-CALNAME"]) == "Space events (type__ids=2)"


def test_text_is_escaped_as_rfc_5545_says_a_backslash_and_n_included(client):
    name = "Dragon C:\\Nodes; test, \\n"
    ingest_records([fixture_events()[352] | {"name": name, "location": "a\r\nb\rc\nd"}], source="test")
    response = client.get("/2.3.0/events/?format=ics&search=%5CNodes")
    _, [by_icalendar], [by_vobject] = parsed(response)
    assert str(by_icalendar["SUMMARY"]) == by_vobject.summary.value == name
    assert by_vobject.location.value == "a\nb\nc\nd"
    assert vobject.readOne(response.content.decode()).x_wr_calname.value == "Space events (search=\\Nodes)"
    assert b"\r\nSUMMARY:Dragon C:\\\\Nodes\\; test\\, \\\\n\r\n" in response.content
    assert b"\r\nLOCATION:a\\nb\\nc\\nd\r\n" in response.content


def test_a_feed_by_format_suffix_links_each_event_itself(client):
    for path in ("/2.3.0/events/352.ics", "/2.3.0/events.ics"):
        _, events, others = parsed(client.get(path))
        assert [str(event["URL"]) for event in events] == [
            f"http://testserver/2.3.0/events/{event['UID'].split('@')[0]}/" for event in events
        ]
        assert [other.url.value for other in others] == [str(event["URL"]) for event in events]


def test_an_event_whose_grace_ends_past_the_year_9999_never_leaves_upcoming(client):
    ingest_records([fixture_events()[352] | {"date": "9999-12-31T12:00:00Z"}], source="test")
    Event.objects.exclude(pk=352).delete()
    for route in ("upcoming", "previous"):
        response = client.get(f"/2.3.0/events/{route}/", **JSON)
        assert [event["id"] for event in response.json()["results"]] == ([352] if route == "upcoming" else [])
    # No moment at which the windows change: cached until the data does.
    assert response["Cache-Control"] == "public, max-age=30"


def test_a_feed_is_the_same_whether_its_events_were_held_or_not(client, monkeypatch):
    vevents_held.clear()
    made = client.get("/2.3.0/events/?format=ics").content
    assert len(vevents_held._values) == len(parsed(client.get("/2.3.0/events/?format=ics"))[1])
    # Another URL, so that the response is made again: from the held events.
    assert client.get("/2.3.0/events/?format=ics&again=1").content == made
    monkeypatch.setattr(vevents_held, "max_bytes", 0)
    vevents_held.clear()
    assert client.get("/2.3.0/events/?format=ics&again=2").content == made
    assert vevents_held.size == 0


def test_a_held_event_is_not_served_once_it_changed_nor_to_another_host(client):
    assert "Renamed" not in client.get("/2.3.0/events/352/?format=ics").content.decode()
    ingest_records([fixture_events()[352] | {"name": "Renamed"}], source="test")
    _, [event], _ = parsed(client.get("/2.3.0/events/?format=ics&search=Renamed"))
    assert str(event["SUMMARY"]) == "Renamed"
    on_localhost = client.get("/2.3.0/events/?format=ics&search=Renamed", HTTP_HOST="localhost")
    [event] = icalendar.Calendar.from_ical(on_localhost.content).walk("VEVENT")
    assert (str(event["UID"]), str(event["URL"])) == ("352@localhost", "http://localhost/2.3.0/events/352/")


def test_a_feeds_name_leaves_out_what_shapes_its_page(client):
    calendar, _, _ = parsed(client.get("/2.3.0/events/?format=ics&mode=detailed&limit=2&offset=1"))
    assert str(calendar["X-WR-CALNAME"]) == "Space events"
    calendar, _, _ = parsed(client.get("/2.3.0/events/upcoming/?mode=list&format=ics&year=2030"))
    assert str(calendar["X-WR-CALNAME"]) == "Upcoming space events (year=2030)"


def test_a_feed_holds_250_events(client):
    """A feed's size is its own (250, as README says), whatever `limit` says: with more events than that,
    the first 250 of its route."""
    first = fixture_events()[352]
    copies = [
        first
        | {
            "id": 10_000 + number,
            "slug": f"feed-copy-{number}",
            "date": f"2040-01-01T00:{number // 60:02d}:{number % 60:02d}Z",
        }
        for number in range(200)
    ]
    ingest_records(copies, source="test")
    expected = [event["id"] for event in json_events(client, "/2.3.0/events/")]
    assert len(expected) == 314
    _, events, _ = parsed(client.get("/2.3.0/events/?format=ics&limit=5"))
    assert [str(event["UID"]) for event in events] == [f"{pk}@testserver" for pk in expected[:250]]
