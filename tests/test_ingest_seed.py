"""Importing the real LL2 seed event stores every value it holds, in LL2's order."""

import datetime
import uuid

import pytest

from agencies.models import Agency
from config.models import Image, ImageLicense, Language, NetPrecision
from events.models import Event, EventAgency, Update, VidURL
from launches.models import Launch
from programs.models import Program, ProgramAgency
from spacestations.models import SpaceStation

pytestmark = pytest.mark.usefixtures("seeded")
UTC = datetime.UTC


def test_event_fields():
    event = Event.objects.get(pk=352)
    assert (event.name, event.slug, event.type_id, event.type.name) == (
        "HTV-X1 Release & Reentry",
        "htv-x1-release-reentry",
        13,
        "Spacecraft Release",
    )
    assert event.description.startswith("The JAXA HTV-X1 will be unberthed from the ISS")
    assert event.webcast_live is False
    assert event.location == "International Space Station"
    assert event.date == datetime.datetime(2026, 3, 6, 17, 5, tzinfo=UTC)
    assert event.date_precision_id == 1
    assert event.duration == datetime.timedelta(hours=1, minutes=5, seconds=34)
    assert event.last_updated == datetime.datetime(2026, 3, 6, 17, 54, 47, tzinfo=UTC)
    assert event.image_id == 2566


def test_video_urls_keep_their_order_and_values():
    vid_urls = list(VidURL.objects.filter(event_id=352).order_by("position"))
    assert [(v.priority, v.source, v.url) for v in vid_urls] == [
        (10, "youtube.com", "https://www.youtube.com/watch?v=iUNm9iv7sAg"),
        (11, "plus.nasa.gov", "https://plus.nasa.gov/scheduled-video/jaxa-htv-x1-cargo-departure/"),
    ]
    first = vid_urls[0]
    assert (first.publisher, first.title, first.type_id, first.language_id, first.live) == (
        "NASA",
        "JAXA HTV-X1 Cargo Departure",
        1,
        1,
        False,
    )
    assert "\u2019" in first.description and first.description.endswith("Credit: NASA")
    assert first.start_time == datetime.datetime(2026, 3, 6, 16, 43, 46, tzinfo=UTC)
    assert first.end_time == datetime.datetime(2026, 3, 6, 17, 49, 20, tzinfo=UTC)


def test_updates_keep_ll2_order_not_id_or_date_order():
    updates = Update.objects.filter(event_id=352).order_by("position")
    assert [u.id for u in updates] == [13611, 14184, 14005, 13844]
    first = updates[0]
    assert (first.comment, first.created_by, first.created_on) == (
        "Targeting January 27th for departure",
        "hitura-nobad",
        datetime.datetime(2026, 1, 12, 19, 55, tzinfo=UTC),
    )


def test_lookups_and_image():
    assert list(NetPrecision.objects.values_list("id", "name", "abbrev")) == [
        (0, "Second", "SEC"),
        (1, "Minute", "MIN"),
    ]
    assert list(Language.objects.values_list("id", "name", "code")) == [(1, "English", "en")]
    image = Image.objects.get(pk=2566)
    assert (image.name, image.credit, image.license_id, image.single_use) == (
        "HTV-X in space (First Flight)",
        "NASA",
        4,
        False,
    )
    assert list(ImageLicense.objects.values_list("id", "priority", "link")) == [
        (1, 9, None),
        (4, 0, "https://www.nasa.gov/nasa-brand-center/images-and-media/"),
    ]
    assert Image.objects.get(pk=1874).credit is None


def test_related_objects():
    assert list(EventAgency.objects.filter(event_id=352).values_list("agency_id", "position")) == [(37, 0)]
    assert list(Agency.objects.values_list("id", "abbrev", "type_id")) == [
        (16, "CSA", 1),
        (27, "ESA", 2),
        (37, "JAXA", 1),
        (44, "NASA", 1),
        (63, "RFSA", 1),
    ]
    launch = Launch.objects.get()
    assert launch.id == uuid.UUID("8c2412ae-fbef-443f-aae8-db538f38eec6")
    assert (launch.launch_designator, launch.status_id, launch.net_precision_id, launch.infographic) == (
        "2025-241",
        3,
        0,
        None,
    )
    station = SpaceStation.objects.get()
    assert (station.founded, station.deorbited, station.orbit, station.status_id, station.type_id) == (
        datetime.date(1998, 11, 20),
        None,
        "Low Earth Orbit",
        1,
        2,
    )
    program = Program.objects.get()
    assert program.start_date == datetime.datetime(1998, 11, 20, 6, 40, tzinfo=UTC)
    assert program.end_date is None
    assert list(ProgramAgency.objects.filter(program=program).values_list("agency_id", flat=True)) == [
        16,
        27,
        37,
        44,
        63,
    ]
    event = Event.objects.get(pk=352)
    assert list(event.expeditions.all()) == list(event.astronauts.all()) == []
