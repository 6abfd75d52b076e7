"""Generate deterministic synthetic Launch Library 2 (2.3.0) *detailed-mode* event objects.

The objects have exactly the shape of ``GET /2.3.0/events/{id}/`` (``EventEndpointDetailed``): the same keys
in the same order at every nesting level as ``/work/shared/reference/seed-event-352-detailed.json``, with
realistic values. They are meant for scale benchmarks (bulk import, query timing), not as real data.

Command line::

    python bench/generate_events.py 10000 > events.json
    python bench/generate_events.py 100000 --seed 7 --output /tmp/events.json
    python bench/generate_events.py 500 --format page --start-id 1 --output page.json

Options:

``N``
    Number of events (>= 0).
``--seed`` (default 0)
    Seed of the pseudo-random generator. The same arguments always give byte-identical output; different
    seeds give different data.
``--output`` (default ``-``, stdout)
    Destination path, or ``-`` for stdout. Output is UTF-8, one compact event per line, written incrementally.
``--start-id`` (default 100000)
    Id of the first event. Events get consecutive ids ``start_id .. start_id + N - 1``.
``--format`` (default ``list``)
    ``list`` writes a JSON array; ``page`` writes a pagination envelope
    ``{"count": N, "next": null, "previous": null, "results": [...]}``.

From Python (e.g. a test loading this file through ``importlib``)::

    events = list(generate_events(100, seed=3, start_id=1))

Properties of the data:

* Nested entities (agencies, space stations, programs, expeditions, spacewalks, mission patches,
  astronauts, launches and their images) come from one pool built from the seed, so a given id always
  maps to the identical object. The pool does not depend on ``count`` or ``start_id``. Pool objects are
  shared between yielded events: treat them as read-only (``copy.deepcopy`` before mutating).
* ``generate_events(n)`` is a prefix of ``generate_events(m)`` for ``n < m`` (same seed and start id).
* Ids derived from the event id are unique across the output and across runs with disjoint event ids:
  update ``id = event_id * 10 + k``, event image ``id = 10_000_000 + event_id``, image variant
  ``id = image_id * 10 + k``.
* Slugs are ``<slugified name>-<event id>``, at most ``SLUG_MAX_LENGTH`` characters, matching
  ``^[-a-z0-9]+$``.
* Datetimes are UTC, ``YYYY-MM-DDTHH:MM:SSZ``; event dates are spread over 2000-01-01..2035-12-31.
  "Past" and "future" (launch status, precision, last_updated) are relative to the fixed ``REFERENCE_NOW``.
"""

import argparse
import bisect
import functools
import itertools
import json
import random
import re
import sys
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

API_BASE = "https://ll.thespacedevs.com/2.3.0"
MEDIA_BASE = "https://thespacedevs-prod.nyc3.digitaloceanspaces.com/media"

DATE_START = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
DATE_END = int(datetime(2036, 1, 1, tzinfo=UTC).timestamp())
REFERENCE_NOW = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())

MINUTE = 60
HOUR = 3600
DAY = 86400

SLUG_MAX_LENGTH = 100
NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2048
EVENT_IMAGE_ID_OFFSET = 10_000_000

AGENCY_COUNT = 60
PROGRAM_COUNT = 20
ASTRONAUT_COUNT = 200
LAUNCH_COUNT = 5000

# --------------------------------------------------------------------------------------------------------
# Fixed configuration tables (the /2.3.0/config/... resources).
# --------------------------------------------------------------------------------------------------------

NET_PRECISIONS = {
    abbrev: {"id": pid, "name": name, "abbrev": abbrev, "description": description}
    for pid, name, abbrev, description in (
        (0, "Second", "SEC", "The T-0 is accurate to the second."),
        (1, "Minute", "MIN", "The T-0 is accurate to the minute."),
        (2, "Hour", "HR", "The T-0 is accurate to the hour."),
        (5, "Day", "DAY", "The T-0 is accurate to the day."),
        (6, "Week", "WEEK", "The T-0 is accurate to the week."),
        (7, "Month", "MONTH", "The T-0 is accurate to the month."),
        (8, "Quarter 1", "Q1", "The T-0 is accurate to the first quarter of the year."),
        (14, "Year", "YEAR", "The T-0 is accurate to the year."),
    )
}

LAUNCH_STATUSES = {
    abbrev: {"id": sid, "name": name, "abbrev": abbrev, "description": description}
    for sid, name, abbrev, description in (
        (1, "Go for Launch", "Go", "Current T-0 confirmed by official or reliable sources."),
        (
            2,
            "To Be Determined",
            "TBD",
            "Current date is a 'No Earlier Than' estimation based on unreliable or interpreted sources.",
        ),
        (
            3,
            "Launch Successful",
            "Success",
            "The launch vehicle successfully inserted its payload(s) into the target orbit(s).",
        ),
        (
            4,
            "Launch Failure",
            "Failure",
            "Either the launch vehicle did not reach orbit, or the payload(s) failed to separate.",
        ),
        (
            7,
            "Launch was a Partial Failure",
            "Partial Failure",
            "The launch vehicle reached orbit, but the "
            "payload(s) were not inserted into the intended orbit(s).",
        ),
        (
            8,
            "To Be Confirmed",
            "TBC",
            "Awaiting official confirmation - current date is known with some certainty.",
        ),
        (9, "Payload Deployed", "Deployed", "The payload has been deployed from the launch vehicle."),
    )
}

IMAGE_LICENSES = (
    {"id": 1, "name": "Unknown", "priority": 9, "link": None},
    {"id": 2, "name": "CC BY 2.0", "priority": 5, "link": "https://creativecommons.org/licenses/by/2.0/"},
    {
        "id": 3,
        "name": "CC BY-SA 4.0",
        "priority": 5,
        "link": "https://creativecommons.org/licenses/by-sa/4.0/",
    },
    {
        "id": 4,
        "name": "NASA Image and Media Guidelines",
        "priority": 0,
        "link": "https://www.nasa.gov/nasa-brand-center/images-and-media/",
    },
    {
        "id": 5,
        "name": "ESA Standard License",
        "priority": 2,
        "link": "https://www.esa.int/ESA_Multimedia/Copyright_Notice_Images",
    },
    {
        "id": 6,
        "name": "SpaceX Flickr (CC0)",
        "priority": 1,
        "link": "https://creativecommons.org/publicdomain/zero/1.0/",
    },
)
IMAGE_LICENSE_WEIGHTS = (40, 8, 8, 30, 6, 8)

IMAGE_VARIANT_TYPES = (
    {"id": 1, "name": "Normal"},
    {"id": 2, "name": "Mobile"},
    {"id": 3, "name": "Social"},
    {"id": 4, "name": "Banner"},
)

AGENCY_TYPES = {
    name: {"id": tid, "name": name}
    for tid, name in (
        (1, "Government"),
        (2, "Multinational"),
        (3, "Commercial"),
        (4, "Educational"),
        (5, "Private"),
        (6, "Unknown"),
    )
}

VIDURL_TYPES = (
    {"id": 1, "name": "Official Webcast"},
    {"id": 2, "name": "Unofficial Webcast"},
    {"id": 3, "name": "In-depth Coverage"},
    {"id": 4, "name": "Recap"},
    {"id": 5, "name": "Press Conference"},
)
VIDURL_TYPE_WEIGHTS = (55, 20, 10, 8, 7)

INFOURL_TYPES = (
    {"id": 1, "name": "Official Page"},
    {"id": 2, "name": "Press Kit"},
    {"id": 3, "name": "Timeline"},
    {"id": 4, "name": "Wikipedia"},
)

LANGUAGES = (
    {"id": 1, "name": "English", "code": "en"},
    {"id": 2, "name": "Spanish", "code": "es"},
    {"id": 3, "name": "French", "code": "fr"},
    {"id": 4, "name": "German", "code": "de"},
    {"id": 5, "name": "Japanese", "code": "ja"},
    {"id": 6, "name": "Russian", "code": "ru"},
    {"id": 7, "name": "Chinese", "code": "zh"},
    {"id": 8, "name": "Portuguese", "code": "pt"},
)
LANGUAGE_WEIGHTS = (78, 5, 4, 3, 3, 3, 3, 1)

SPACE_STATION_STATUSES = {
    "Active": {"id": 1, "name": "Active"},
    "De-Orbited": {"id": 2, "name": "De-Orbited"},
}
SPACE_STATION_TYPE_GOVERNMENT = {"id": 2, "name": "Government"}

PROGRAM_TYPES = (
    {"id": 1, "name": "Robotic Exploration"},
    {"id": 2, "name": "Human Spaceflight"},
    {"id": 3, "name": "Commercial Services"},
    {"id": 4, "name": "Satellite Constellation"},
    {"id": 5, "name": "Technology Demonstration"},
)

ASTRONAUT_STATUSES = (
    {"id": 1, "name": "Active"},
    {"id": 2, "name": "Retired"},
    {"id": 3, "name": "In-Training"},
    {"id": 11, "name": "Deceased"},
)
ASTRONAUT_STATUS_WEIGHTS = (45, 40, 10, 5)

# --------------------------------------------------------------------------------------------------------
# Vocabulary for names and texts.
# --------------------------------------------------------------------------------------------------------

REAL_AGENCIES = (
    ("National Aeronautics and Space Administration", "NASA", "Government"),
    ("Japan Aerospace Exploration Agency", "JAXA", "Government"),
    ("European Space Agency", "ESA", "Multinational"),
    ("Canadian Space Agency", "CSA", "Government"),
    ("Russian Federal Space Agency (ROSCOSMOS)", "RFSA", "Government"),
    ("China National Space Administration", "CNSA", "Government"),
    ("China Manned Space Agency", "CMSA", "Government"),
    ("Indian Space Research Organization", "ISRO", "Government"),
    ("Centre National d'Études Spatiales", "CNES", "Government"),
    ("Deutsches Zentrum für Luft- und Raumfahrt", "DLR", "Government"),
    ("Agenzia Spaziale Italiana", "ASI", "Government"),
    ("Agência Espacial Brasileira", "AEB", "Government"),
    ("Korea Aerospace Research Institute", "KARI", "Government"),
    ("United Arab Emirates Space Agency", "UAESA", "Government"),
    ("SpaceX", "SpX", "Commercial"),
    ("Blue Origin", "BO", "Commercial"),
    ("Rocket Lab", "RL", "Commercial"),
    ("United Launch Alliance", "ULA", "Commercial"),
    ("Northrop Grumman Space Systems", "NGSS", "Commercial"),
    ("Arianespace", "ASA", "Commercial"),
    ("Boeing", "BA", "Commercial"),
    ("Sierra Space", "SNC", "Commercial"),
    ("Axiom Space", "AX", "Commercial"),
    ("Firefly Aerospace", "FA", "Commercial"),
    ("Mitsubishi Heavy Industries", "MHI", "Commercial"),
    ("China Aerospace Science and Technology Corporation", "CASC", "Government"),
    ("Massachusetts Institute of Technology", "MIT", "Educational"),
    ("Государственная корпорация «Роскосмос»", "ГК", "Government"),
)
AGENCY_NAME_PREFIXES = (
    "Aurora",
    "Nova",
    "Orion",
    "Polaris",
    "Zenith",
    "Helios",
    "Vega",
    "Altair",
    "Kestrel",
    "Meridian",
    "Stellar",
    "Equinox",
    "Horizon",
    "Perigee",
    "Apsis",
    "Lumen",
    "Borealis",
    "Cygnus",
    "Lyra",
    "Andes",
    "Fjord",
    "Sierra",
    "Tundra",
    "Sahel",
)
AGENCY_NAME_SUFFIXES = (
    ("Orbital Systems", "Commercial"),
    ("Launch Services", "Commercial"),
    ("Space Agency", "Government"),
    ("Aerospace", "Private"),
    ("Rocket Works", "Private"),
    ("Space Institute", "Educational"),
    ("Space Consortium", "Multinational"),
    ("Dynamics", "Commercial"),
)

FIRST_NAMES = (
    "Anne",
    "Christopher",
    "Koichi",
    "Samantha",
    "Oleg",
    "Sunita",
    "Thomas",
    "Jessica",
    "Wang",
    "Liu",
    "Matthias",
    "Jean-François",
    "Sōichi",
    "Akihiko",
    "Anna",
    "Sergey",
    "Raja",
    "Kayla",
    "Luca",
    "Nicole",
    "Alexander",
    "Frank",
    "Jasmin",
    "Sultan",
    "Rakesh",
    "Marcos",
    "Peggy",
    "Zhai",
    "Yuri",
    "Kathleen",
    "Ørjan",
    "Sára",
    "Andreas",
    "Tim",
    "Victor",
    "Loral",
)
LAST_NAMES = (
    "McClain",
    "Cassidy",
    "Wakata",
    "Cristoforetti",
    "Kononenko",
    "Williams",
    "Pesquet",
    "Meir",
    "Yaping",
    "Yang",
    "Maurer",
    "Clervoy",
    "Noguchi",
    "Hoshide",
    "Kikina",
    "Prokopyev",
    "Chari",
    "Barron",
    "Parmitano",
    "Mann",
    "Gerst",
    "Rubio",
    "Moghbeli",
    "Al Neyadi",
    "Sharma",
    "Pontes",
    "Whitson",
    "Zhigang",
    "Gagarin",
    "Rubins",
    "Sørensen",
    "Kovács",
    "Mogensen",
    "Peake",
    "Glover",
    "O'Hara",
)

ROCKET_PAYLOADS = (
    (
        "Falcon 9 Block 5",
        (
            "Starlink Group {n}",
            "CRS-{n}",
            "Crew-{n}",
            "Transporter-{n}",
            "SES O3b mPOWER {n}",
            "Bandwagon-{n}",
            "GPS III SV{n}",
        ),
    ),
    ("Falcon Heavy", ("USSF-{n}", "Psyche {n}")),
    ("Soyuz 2.1a", ("Progress MS-{n}", "Soyuz MS-{n}")),
    ("Soyuz 2.1b/Fregat-M", ("Glonass-K {n}", "Meteor-M {n}")),
    ("Long March 2F/G", ("Shenzhou-{n}",)),
    ("Long March 7", ("Tianzhou-{n}",)),
    ("Long March 5", ("Chang'e {n}", "Tianwen-{n}")),
    ("H3-24", ("HTV-X{n}", "QZS-{n}")),
    ("Ariane 6", ("Galileo L{n}", "MTG-S{n}")),
    ("Atlas V N22", ("Starliner-{n}",)),
    ("Electron", ("Owl Night {n}", "Beginning Of The Swarm {n}", "NROL-{n}")),
    ("Antares 230+", ("NG-{n}",)),
    ("Vulcan VC4S", ("Cert-{n}", "Kuiper KA-{n}")),
    ("PSLV-XL", ("EOS-{n}", "RISAT-{n}")),
    ("New Glenn", ("NG-{n} Blue Ring",)),
)

SPACECRAFT = (
    "Crew Dragon Endeavour",
    "Crew Dragon Resilience",
    "Cargo Dragon C{n}",
    "Cygnus NG-{n}",
    "Progress MS-{n}",
    "Soyuz MS-{n}",
    "Starliner",
    "HTV-X{n}",
    "Tianzhou-{n}",
    "Shenzhou-{n}",
    "Dream Chaser Tenacity",
    "Orion",
    "Axiom Mission {n}",
)
PROBES = (
    "Juno",
    "Psyche",
    "JUICE",
    "BepiColombo",
    "Europa Clipper",
    "Lucy",
    "Hera",
    "Hayabusa{n}",
    "OSIRIS-APEX",
    "Chandrayaan-{n}",
    "Chang'e {n}",
    "SLIM",
    "Tianwen-{n}",
    "Solar Orbiter",
)
BODIES = (
    "Earth",
    "the Moon",
    "Mars",
    "Venus",
    "Jupiter",
    "Ganymede",
    "Europa",
    "Mercury",
    "Ceres",
    "asteroid (52246) Donaldjohanson",
    "Apophis",
)
TASKS = (
    "iROSA installation",
    "battery replacement",
    "ammonia leak inspection",
    "science payload retrieval",
    "debris shield installation",
    "antenna repair",
    "camera swap",
)
PROGRAM_NAMES = (
    ("International Space Station", 2),
    ("Artemis", 2),
    ("Commercial Crew Program", 3),
    ("Commercial Resupply Services", 3),
    ("Tiangong Program", 2),
    ("Gaganyaan", 2),
    ("Mars Exploration Program", 1),
    ("Discovery Program", 1),
    ("New Frontiers", 1),
    ("Galileo", 4),
    ("Copernicus", 4),
    ("Starlink", 4),
    ("Project Kuiper", 4),
    ("Chinese Lunar Exploration Program (嫦娥工程)", 1),
    ("Starship", 5),
    ("Commercial LEO Destinations", 3),
    ("Lunar Gateway", 2),
    ("Hera Planetary Defence", 1),
    ("Luna-Glob (Луна-Глоб)", 1),
    ("X-37B OTV", 5),
)
NON_ASCII_SUFFIXES = (
    " — Conférence de presse",
    " (記者会見)",
    " · Прямая трансляция",
    " 🚀",
    " — Live-Übertragung",
    " (直播)",
    " — Transmisión en español",
)
DESCRIPTION_SENTENCES = (
    "{name} is scheduled with coverage provided by {agency}.",
    "The operation involves {craft} and the crew of {station}.",
    "Ground teams at mission control will monitor telemetry throughout the event.",
    "The timeline may shift depending on weather, technical readiness and station traffic.",
    "This event follows the launch of {craft} and precedes its return to Earth.",
    "Live coverage begins approximately thirty minutes before the scheduled time.",
    "Engineers will review the data gathered before confirming the next milestone.",
    "It is part of the {program} program.",
    "The crew will work through a checklist of get-ahead tasks if time allows.",
)
UPDATE_COMMENTS = (
    "Added webcast links.",
    "Date updated per official sources.",
    "NET {month} {year}.",
    "Targeting {day} {month} for the event.",
    "Official Webcast by {agency} has started",
    "Added planned time.",
    "Delayed due to weather.",
    "Moved to the right by one day.",
    "Confirmed by {agency} press release.",
    "Description expanded with mission details.",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
UPDATE_AUTHORS = (
    ("LL2", "ll2_profile_20230311134739.png"),
    ("Cosmic_Penguin", "cosmic2520penguin_profile_20210817212020.png"),
    ("hitura-nobad", "lucas2520stauder_profile_20230526163835.jpg"),
    ("Nosu", "nosu_profile_20220102101010.png"),
    ("Ainar", None),
    ("derbless", "derbless_profile_20230812080000.jpg"),
    ("Jay", None),
    ("Starbase_Watcher", "starbase_watcher_profile_20240101120000.png"),
)
WEBCAST_PUBLISHERS = (
    "NASA",
    "SpaceX",
    "JAXA",
    "ESA",
    "NASASpaceflight",
    "Spaceflight Now",
    "Everyday Astronaut",
    "CCTV Video News Agency",
    "Roscosmos TV",
    "ISRO Official",
)
INFO_SOURCES = (
    ("www.nasa.gov", "https://www.nasa.gov/blogs/{slug}/"),
    ("global.jaxa.jp", "https://global.jaxa.jp/press/{year}/{slug}_e.html"),
    ("www.esa.int", "https://www.esa.int/Science_Exploration/{slug}"),
    ("en.wikipedia.org", "https://en.wikipedia.org/wiki/{slug}"),
    ("spaceflightnow.com", "https://spaceflightnow.com/{year}/{slug}/"),
)


@dataclass(frozen=True)
class EventType:
    """An event type with its name templates, duration range and whether it happens at a space station."""

    id: int
    name: str
    weight: int
    at_station: bool
    templates: tuple[str, ...]
    duration_range: tuple[int, int]

    def as_json(self) -> dict[str, Any]:
        """Return the EventType object as serialized by the API."""
        return {"id": self.id, "name": self.name}


EVENT_TYPES = (
    EventType(
        1, "Docking", 14, True, ("{craft} Docking", "{craft} docking to {station}"), (20 * MINUTE, 3 * HOUR)
    ),
    EventType(
        2, "Undocking", 10, True, ("{craft} Undocking", "{craft} departs {station}"), (10 * MINUTE, HOUR)
    ),
    EventType(
        3,
        "Spacewalk",
        12,
        True,
        ("{abbrev} Spacewalk {n}", "Spacewalk {n}: {task}", "VKD-{n}"),
        (4 * HOUR, 9 * HOUR),
    ),
    EventType(
        4,
        "Press Event",
        12,
        False,
        ("{program} Press Conference", "{agency} Media Briefing", "{craft} Pre-Launch News Conference"),
        (30 * MINUTE, 2 * HOUR),
    ),
    EventType(
        5, "Static Fire", 6, False, ("{vehicle} Static Fire", "{vehicle} Static Fire Test {n}"), (0, MINUTE)
    ),
    EventType(6, "Wet Dress Rehearsal", 4, False, ("{vehicle} Wet Dress Rehearsal",), (2 * HOUR, 14 * HOUR)),
    EventType(7, "Landing", 6, False, ("{craft} Landing", "{probe} Landing on {body}"), (5 * MINUTE, HOUR)),
    EventType(8, "Splashdown", 6, False, ("{craft} Splashdown",), (10 * MINUTE, 40 * MINUTE)),
    EventType(
        9, "Berthing", 5, True, ("{craft} Berthing", "{craft} capture and berthing"), (HOUR, 36 * HOUR)
    ),
    EventType(10, "Unberthing", 4, True, ("{craft} Unberthing",), (HOUR, 4 * HOUR)),
    EventType(11, "Relocation", 3, True, ("{craft} Port Relocation",), (30 * MINUTE, 2 * HOUR)),
    EventType(12, "Hop Test", 3, False, ("{vehicle} Hop Test {n}",), (MINUTE, 10 * MINUTE)),
    EventType(
        13,
        "Spacecraft Release",
        5,
        True,
        ("{craft} Release & Reentry", "{craft} Release"),
        (30 * MINUTE, 2 * DAY),
    ),
    EventType(
        14, "Flyby", 4, False, ("{probe} Flyby of {body}", "{probe} {body} Gravity Assist"), (0, 6 * HOUR)
    ),
    EventType(
        15, "Celestial Event", 2, False, ("Total Solar Eclipse {n}", "{body} Opposition"), (HOUR, 3 * DAY)
    ),
)
EVENT_TYPE_WEIGHTS = tuple(t.weight for t in EVENT_TYPES)

SPACE_STATIONS = (
    (
        4,
        "International Space Station",
        "Active",
        "1998-11-20",
        None,
        "The International Space Station (ISS) is a modular space station in low Earth orbit. It is a "
        "multinational collaborative project involving NASA, Roscosmos, JAXA, ESA and CSA. It has been "
        "continuously inhabited since November 2000 and serves as a microgravity and space environment "
        "research laboratory.",
    ),
    (
        18,
        "Tiangong Space Station",
        "Active",
        "2021-04-29",
        None,
        "Tiangong (天宫, 'Heavenly Palace') is a space station placed in low Earth orbit by China. Its "
        "core module Tianhe was launched in 2021, followed by the Wentian and Mengtian laboratory modules "
        "in 2022.",
    ),
    (
        2,
        "Mir",
        "De-Orbited",
        "1986-02-19",
        "2001-03-23",
        "Mir (Мир) was a space station operated in low Earth orbit from 1986 to 2001. It was the first "
        "modular space station and was assembled in orbit from 1986 to 1996.",
    ),
)
EXPEDITIONS_PER_STATION = {4: 28, 18: 9, 2: 3}
STATION_EXPEDITION_STARTS = {4: "2000-11-02", 18: "2021-06-17", 2: "1999-04-04"}


# --------------------------------------------------------------------------------------------------------
# Formatting helpers.
# --------------------------------------------------------------------------------------------------------


def iso_datetime(timestamp: int) -> str:
    """Format a Unix timestamp as an ISO 8601 UTC datetime with a ``Z`` suffix and no fraction."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_duration(seconds: int) -> str:
    """Format a non-negative number of seconds like ``isodate.duration_isoformat`` (``"P0D"`` for zero)."""
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    date_part = f"{days}D" if days else ""
    time_part = "".join(
        f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if value
    )
    if not date_part and not time_part:
        return "P0D"
    return f"P{date_part}T{time_part}" if time_part else f"P{date_part}"


def timestamp_of(day: str) -> int:
    """Return the Unix timestamp of midnight UTC of an ISO date (``YYYY-MM-DD``)."""
    return int(datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC).timestamp())


def compact_stamp(timestamp: int) -> str:
    """Format a timestamp as ``YYYYMMDDHHMMSS``, as used in LL2 media file names."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y%m%d%H%M%S")


def slugify(text: str) -> str:
    """Return a lowercase ASCII slug (``[-a-z0-9]``) of ``text``, dropping accents and non-Latin letters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def event_slug(name: str, event_id: int) -> str:
    """Return a unique event slug: the slugified name (shortened if needed) followed by the event id."""
    suffix = str(event_id)
    base = slugify(name)[: SLUG_MAX_LENGTH - len(suffix) - 1].rstrip("-")
    return f"{base}-{suffix}" if base else suffix


def api_url(resource: str, object_id: int | str) -> str:
    """Return the canonical API URL of an object, e.g. ``.../2.3.0/agencies/37/``."""
    return f"{API_BASE}/{resource}/{object_id}/"


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters without leaving trailing whitespace."""
    return text if len(text) <= limit else text[:limit].rstrip()


def fill(template: str, rng: random.Random, low: int = 1, high: int = 40) -> str:
    """Replace a ``{n}`` placeholder in ``template`` with a random number in ``[low, high]``."""
    return template.replace("{n}", str(rng.randint(low, high))) if "{n}" in template else template


@functools.cache
def cumulative(weights: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """Return the cumulative weights and their total (cached: the weight tables are constants)."""
    sums = tuple(itertools.accumulate(weights))
    return sums, sums[-1]


def pick_weighted(rng: random.Random, items: Sequence[Any], weights: tuple[int, ...]) -> Any:
    """Pick one item, ``items[i]`` with probability proportional to ``weights[i]``."""
    sums, total = cumulative(weights)
    return items[bisect.bisect(sums, rng.random() * total)]


def pick_count(rng: random.Random, weights: tuple[int, ...]) -> int:
    """Pick a list length: ``i`` is chosen with probability proportional to ``weights[i]``."""
    sums, total = cumulative(weights)
    return bisect.bisect(sums, rng.random() * total)


def pick_distinct(rng: random.Random, pool: Sequence[Any], count: int) -> list[Any]:
    """Pick up to ``count`` distinct items of ``pool`` in random order."""
    return rng.sample(pool, min(count, len(pool)))


# --------------------------------------------------------------------------------------------------------
# Nested object builders.
# --------------------------------------------------------------------------------------------------------


def make_image(rng: random.Random, image_id: int, subject: str, timestamp: int) -> dict[str, Any]:
    """Build an Image object with a license, an optional credit and sometimes variants."""
    stamp = compact_stamp(timestamp)
    stem = f"{MEDIA_BASE}/images/{slugify(subject)[:60].rstrip('-').replace('-', '_')}"
    variant_types = pick_distinct(rng, IMAGE_VARIANT_TYPES, pick_count(rng, (75, 10, 10, 5)))
    return {
        "id": image_id,
        "name": truncate(rng.choice((f"{subject} - image", f"[AUTO] {subject} - image", subject)), 255),
        "image_url": f"{stem}_image_{stamp}.jpeg",
        "thumbnail_url": f"{stem}_image_thumbnail_{stamp}.jpeg",
        "credit": rng.choice((None, "NASA", "SpaceX", "ESA", "JAXA", "CMSA", "Roscosmos", "Rocket Lab")),
        "license": pick_weighted(rng, IMAGE_LICENSES, IMAGE_LICENSE_WEIGHTS),
        "single_use": rng.random() < 0.3,
        "variants": [
            {
                "id": image_id * 10 + index,
                "type": vtype,
                "image_url": f"{stem}_{vtype['name'].lower()}_{stamp}.webp",
            }
            for index, vtype in enumerate(variant_types)
        ],
    }


def make_agencies(rng: random.Random) -> list[dict[str, Any]]:
    """Build the agency pool (AgencyMini form): well-known agencies plus synthetic ones, with sparse ids."""
    entries = list(REAL_AGENCIES)
    combos = [(prefix, suffix) for prefix in AGENCY_NAME_PREFIXES for suffix in AGENCY_NAME_SUFFIXES]
    for prefix, (suffix, agency_type) in rng.sample(combos, AGENCY_COUNT - len(entries)):
        name = f"{prefix} {suffix}"
        entries.append((name, "".join(word[0] for word in name.split()).upper(), agency_type))
    ids = sorted(rng.sample(range(1, 1200), len(entries)))
    return [
        {
            "response_mode": "list",
            "id": agency_id,
            "url": api_url("agencies", agency_id),
            "name": name,
            "abbrev": abbrev,
            "type": AGENCY_TYPES[agency_type],
        }
        for agency_id, (name, abbrev, agency_type) in zip(ids, entries, strict=True)
    ]


def make_mission_patch(
    rng: random.Random, patch_id: int, owner: str, agencies: Sequence[dict[str, Any]], timestamp: int
) -> dict[str, Any]:
    """Build a MissionPatch object (``response_mode`` is emitted last)."""
    stem = slugify(owner).replace("-", "_")[:60]
    return {
        "id": patch_id,
        "name": truncate(f"{owner} Patch", 200),
        "priority": rng.choice((0, 5, 10, 10, 50, 100)),
        "image_url": f"{MEDIA_BASE}/mission_patch_images/{stem}_mission_patch_{compact_stamp(timestamp)}.png",
        "agency": rng.choice(agencies) if agencies and rng.random() < 0.8 else None,
        "response_mode": "normal",
    }


class Pool:
    """The fixed set of nested entities that events reference, built once per seed.

    Each entity is generated exactly once, so an id always maps to the identical (shared) object.
    """

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"ll2-events-pool-{seed}")
        self._image_ids = itertools.count(1)
        self._patch_ids = itertools.count(rng.randint(100, 500))
        self.agencies = make_agencies(rng)
        self.space_stations = [self._make_space_station(rng, *entry) for entry in SPACE_STATIONS]
        self.expeditions = self._make_expeditions(rng)
        self.expedition_starts = {
            station_id: [expedition["start"] for expedition in expeditions]
            for station_id, expeditions in self.expeditions.items()
        }
        self.programs = self._make_programs(rng)
        self.astronauts = self._make_astronauts(rng)
        self.launches = self._make_launches(rng)
        self.launch_nets = [launch_net for launch_net, _ in self.launches]

    def _image(
        self, rng: random.Random, subject: str, timestamp: int, null_ratio: float
    ) -> dict[str, Any] | None:
        """Return a new pool image (sequential id), or ``None`` with probability ``null_ratio``."""
        if rng.random() < null_ratio:
            return None
        return make_image(rng, next(self._image_ids), subject, timestamp)

    def _patches(self, rng: random.Random, owner: str, count: int, timestamp: int) -> list[dict[str, Any]]:
        """Return ``count`` new mission patches for an owner (program or expedition)."""
        return [
            make_mission_patch(rng, next(self._patch_ids), owner, self.agencies, timestamp)
            for _ in range(count)
        ]

    def _make_space_station(
        self,
        rng: random.Random,
        station_id: int,
        name: str,
        status: str,
        founded: str,
        deorbited: str | None,
        description: str,
    ) -> dict[str, Any]:
        """Build a SpaceStationNormal object (no ``response_mode``)."""
        return {
            "id": station_id,
            "url": api_url("space_stations", station_id),
            "name": name,
            "image": self._image(rng, name, timestamp_of(founded) + DAY * rng.randint(0, 9000), 0.0),
            "status": SPACE_STATION_STATUSES[status],
            "founded": founded,
            "deorbited": deorbited,
            "description": description,
            "orbit": "Low Earth Orbit",
            "type": SPACE_STATION_TYPE_GOVERNMENT,
        }

    def _make_expeditions(self, rng: random.Random) -> dict[int, list[dict[str, Any]]]:
        """Build ExpeditionNormal objects per station id.

        Expeditions of a station follow each other from its first crew until its deorbit (or
        ``REFERENCE_NOW``); the last expedition of an active station has no end.
        """
        ids = iter(sorted(rng.sample(range(1, 400), sum(EXPEDITIONS_PER_STATION.values()))))
        spacewalk_ids = itertools.count(rng.randint(1, 50))
        by_station: dict[int, list[dict[str, Any]]] = {}
        for station in self.space_stations:
            count = EXPEDITIONS_PER_STATION[station["id"]]
            start = timestamp_of(STATION_EXPEDITION_STARTS[station["id"]]) + rng.randint(0, DAY)
            finish = timestamp_of(station["deorbited"]) if station["deorbited"] else REFERENCE_NOW
            average = (finish - start) // count
            expeditions = []
            for number in range(1, count + 1):
                end = start + rng.randint(average * 8 // 10, average - 3 * DAY)
                is_open = number == count and station["deorbited"] is None
                name = self._expedition_name(station, number)
                spacewalks = [
                    self._spacewalk(rng, next(spacewalk_ids), station, start, end)
                    for _ in range(pick_count(rng, (40, 25, 20, 10, 5)))
                ]
                expedition_id = next(ids)
                expeditions.append(
                    {
                        "id": expedition_id,
                        "url": api_url("expeditions", expedition_id),
                        "name": name,
                        "start": iso_datetime(start),
                        "end": None if is_open else iso_datetime(end),
                        "response_mode": "normal",
                        "spacestation": station,
                        "mission_patches": self._patches(rng, name, pick_count(rng, (50, 40, 10)), start),
                        "spacewalks": spacewalks,
                    }
                )
                start = end + rng.randint(0, 3 * DAY)
            by_station[station["id"]] = expeditions
        return by_station

    @staticmethod
    def _expedition_name(station: dict[str, Any], number: int) -> str:
        """Return a realistic expedition name for the n-th expedition of a station."""
        if station["id"] == 18:
            return f"Shenzhou-{11 + number} Expedition"
        if station["id"] == 2:
            return f"Mir EO-{26 + number}"
        return f"Expedition {number}"

    @staticmethod
    def _spacewalk(
        rng: random.Random, spacewalk_id: int, station: dict[str, Any], window_start: int, window_end: int
    ) -> dict[str, Any]:
        """Build a SpacewalkList object happening during an expedition."""
        start = rng.randint(window_start, window_end - DAY)
        start -= start % MINUTE
        length = rng.randint(4 * HOUR, 9 * HOUR) if rng.random() < 0.95 else None
        prefix = "VKD" if station["id"] == 2 or rng.random() < 0.3 else "US EVA"
        return {
            "response_mode": "list",
            "id": spacewalk_id,
            "url": api_url("spacewalks", spacewalk_id),
            "name": f"{prefix} {rng.randint(1, 95)}",
            "start": iso_datetime(start),
            "end": iso_datetime(start + length) if length else None,
            "duration": iso_duration(length) if length else None,
            "location": station["name"] if rng.random() < 0.9 else None,
        }

    def _make_programs(self, rng: random.Random) -> list[dict[str, Any]]:
        """Build ProgramNormal objects with their agencies and mission patches."""
        ids = sorted(rng.sample(range(1, 60), PROGRAM_COUNT))
        programs = []
        for program_id, (name, type_id) in zip(ids, PROGRAM_NAMES, strict=True):
            start = rng.randint(timestamp_of("1990-01-01"), timestamp_of("2028-01-01"))
            end = start + rng.randint(2, 30) * 365 * DAY if rng.random() < 0.3 else None
            wiki_title = slugify(name).replace("-", "_").title()
            programs.append(
                {
                    "response_mode": "normal",
                    "id": program_id,
                    "url": api_url("programs", program_id),
                    "name": name,
                    "image": self._image(rng, name, start, 0.1),
                    "info_url": f"https://www.example-agency.org/programs/{slugify(name)}/"
                    if rng.random() < 0.7
                    else None,
                    "wiki_url": f"https://en.wikipedia.org/wiki/{wiki_title}" if rng.random() < 0.8 else None,
                    "description": (
                        f"The {name} program coordinates missions, partners and infrastructure "
                        "for its objectives."
                        if rng.random() < 0.9
                        else None
                    ),
                    "agencies": pick_distinct(rng, self.agencies, pick_count(rng, (5, 40, 25, 15, 10, 5))),
                    "start_date": iso_datetime(start),
                    "end_date": iso_datetime(end) if end else None,
                    "mission_patches": self._patches(rng, name, pick_count(rng, (45, 35, 15, 5)), start),
                    "type": PROGRAM_TYPES[type_id - 1],
                }
            )
        return programs

    def _make_astronauts(self, rng: random.Random) -> list[dict[str, Any]]:
        """Build AstronautNormal objects (no ``response_mode``) with unique names and sparse ids."""
        name_indexes = rng.sample(range(len(FIRST_NAMES) * len(LAST_NAMES)), ASTRONAUT_COUNT)
        ids = sorted(rng.sample(range(1, 1500), ASTRONAUT_COUNT))
        government = [
            agency for agency in self.agencies if agency["type"]["name"] in ("Government", "Multinational")
        ]
        astronauts = []
        for astronaut_id, index in zip(ids, name_indexes, strict=True):
            first, last = divmod(index, len(LAST_NAMES))
            name = f"{FIRST_NAMES[first]} {LAST_NAMES[last]}"
            astronauts.append(
                {
                    "id": astronaut_id,
                    "url": api_url("astronauts", astronaut_id),
                    "name": name,
                    "status": pick_weighted(rng, ASTRONAUT_STATUSES, ASTRONAUT_STATUS_WEIGHTS),
                    "agency": rng.choice(government) if rng.random() < 0.9 else None,
                    "image": self._image(rng, name, rng.randint(DATE_START, REFERENCE_NOW), 0.15),
                }
            )
        return astronauts

    def _make_launches(self, rng: random.Random) -> list[tuple[int, dict[str, Any]]]:
        """Build LaunchBasic objects with unique names, sorted by NET as ``(net, launch)`` pairs.

        COSPAR-like designators are assigned in NET order to successful past launches.
        """
        counters: dict[str, int] = {}
        drafts = []
        for _ in range(LAUNCH_COUNT):
            rocket, payloads = rng.choice(ROCKET_PAYLOADS)
            payload = rng.choice(payloads)
            counters[payload] = counters.get(payload, rng.randint(0, 20)) + 1
            net = rng.randrange(DATE_START, DATE_END)
            drafts.append((net, f"{rocket} | {payload.replace('{n}', str(counters[payload]))}"))
        drafts.sort()
        per_year: dict[int, int] = {}
        launches = []
        for net, name in drafts:
            status = self._launch_status(rng, net)
            designator = None
            if status["abbrev"] in ("Success", "Partial Failure", "Deployed"):
                year = datetime.fromtimestamp(net, tz=UTC).year
                per_year[year] = per_year.get(year, 0) + 1
                designator = f"{year}-{per_year[year]:03d}"
            launches.append((net, self._launch(rng, net, name, status, designator)))
        return launches

    @staticmethod
    def _launch_status(rng: random.Random, net: int) -> dict[str, Any]:
        """Return a launch status consistent with the NET relative to ``REFERENCE_NOW``."""
        if net < REFERENCE_NOW:
            abbrev = pick_weighted(rng, ("Success", "Failure", "Partial Failure", "Deployed"), (88, 6, 2, 4))
        else:
            abbrev = pick_weighted(rng, ("Go", "TBD", "TBC"), (15, 70, 15))
        return LAUNCH_STATUSES[abbrev]

    def _launch(
        self, rng: random.Random, net: int, name: str, status: dict[str, Any], designator: str | None
    ) -> dict[str, Any]:
        """Build one LaunchBasic object."""
        launch_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        window_before = 0 if rng.random() < 0.5 else rng.randint(0, 2 * HOUR)
        window_after = 0 if rng.random() < 0.5 else rng.randint(0, 2 * HOUR)
        if net < REFERENCE_NOW:
            last_updated = min(net + rng.randint(HOUR, 20 * DAY), REFERENCE_NOW - rng.randint(0, DAY))
        else:
            last_updated = REFERENCE_NOW - rng.randint(0, 200 * DAY)
        return {
            "id": launch_id,
            "url": api_url("launches", launch_id),
            "name": name,
            "response_mode": "list",
            "slug": slugify(name),
            "launch_designator": designator,
            "status": status,
            "last_updated": iso_datetime(last_updated),
            "net": iso_datetime(net),
            "net_precision": precision_for(rng, net) if rng.random() < 0.97 else None,
            "window_end": iso_datetime(net + window_after),
            "window_start": iso_datetime(net - window_before),
            "image": self._image(rng, name, min(net, REFERENCE_NOW), 0.1),
            "infographic": (
                f"{MEDIA_BASE}/infographic_images/{slugify(name).replace('-', '_')}_infographic.png"
                if rng.random() < 0.05
                else None
            ),
        }

    def launches_near(self, rng: random.Random, timestamp: int, count: int) -> list[dict[str, Any]]:
        """Pick up to ``count`` distinct launches among the ones whose NET is closest to ``timestamp``."""
        index = bisect.bisect_left(self.launch_nets, timestamp)
        window = self.launches[max(0, index - 4) : index + 2]
        return [launch for _, launch in pick_distinct(rng, window, count)]


def precision_for(rng: random.Random, timestamp: int) -> dict[str, Any]:
    """Return a NetPrecision that is coarser the farther ``timestamp`` lies after ``REFERENCE_NOW``."""
    ahead = timestamp - REFERENCE_NOW
    if ahead < 0:
        choices, weights = ("SEC", "MIN", "HR"), (30, 60, 10)
    elif ahead < 60 * DAY:
        choices, weights = ("SEC", "MIN", "HR", "DAY"), (10, 50, 25, 15)
    elif ahead < 2 * 365 * DAY:
        choices, weights = ("DAY", "WEEK", "MONTH", "Q1"), (30, 20, 35, 15)
    else:
        choices, weights = ("MONTH", "Q1", "YEAR"), (20, 30, 50)
    return NET_PRECISIONS[pick_weighted(rng, choices, weights)]


# --------------------------------------------------------------------------------------------------------
# Event builders.
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventContext:
    """Random subjects shared by an event's name, description, links and relations."""

    event_type: EventType
    timestamp: int
    date: str
    active_stations: list[dict[str, Any]]
    station: dict[str, Any] | None
    program: dict[str, Any]
    agency: dict[str, Any]
    words: dict[str, str]


def make_context(rng: random.Random, pool: Pool) -> EventContext:
    """Choose the event type, date and the subjects the event is about."""
    event_type = pick_weighted(rng, EVENT_TYPES, EVENT_TYPE_WEIGHTS)
    timestamp = rng.randrange(DATE_START, DATE_END)
    if rng.random() < 0.7:
        timestamp -= timestamp % MINUTE
    date_text = iso_datetime(timestamp)
    active_stations = [
        s for s in pool.space_stations if s["founded"] <= date_text and (s["deorbited"] or "9") > date_text
    ]
    station = rng.choice(active_stations) if event_type.at_station else None
    agency = rng.choice(pool.agencies)
    program = rng.choice(pool.programs)
    rocket, _ = rng.choice(ROCKET_PAYLOADS)
    words = {
        "craft": fill(rng.choice(SPACECRAFT), rng),
        "station": station["name"] if station else "the station",
        "agency": agency["name"],
        "abbrev": agency["abbrev"],
        "program": program["name"],
        "vehicle": rocket,
        "probe": fill(rng.choice(PROBES), rng, 1, 7),
        "body": rng.choice(BODIES),
        "task": rng.choice(TASKS),
        "n": str(rng.randint(1, 99)),
    }
    return EventContext(event_type, timestamp, date_text, active_stations, station, program, agency, words)


def make_name(rng: random.Random, context: EventContext) -> str:
    """Build the event name (<= 200 characters), occasionally with non-ASCII text or at the length limit."""
    name = rng.choice(context.event_type.templates).format(**context.words)
    roll = rng.random()
    if roll < 0.05:
        name += rng.choice(NON_ASCII_SUFFIXES)
    elif roll < 0.06:
        name = f"{name}: {' '.join(rng.choice(TASKS) for _ in range(20))}"
    return truncate(name, NAME_MAX_LENGTH)


def make_description(rng: random.Random, context: EventContext, name: str) -> str:
    """Build the event description: empty ~10% of the time, occasionally close to the 2048 limit."""
    roll = rng.random()
    if roll < 0.1:
        return ""
    count = 60 if roll > 0.99 else rng.randint(1, 4)
    words = {**context.words, "name": name}
    text = " ".join(rng.choice(DESCRIPTION_SENTENCES).format(**words) for _ in range(count))
    return truncate(text, DESCRIPTION_MAX_LENGTH)


def make_vid_urls(rng: random.Random, context: EventContext, name: str, slug: str) -> list[dict[str, Any]]:
    """Build 0-3 VidURL objects in ascending priority; ``type`` and ``language`` are never null."""
    vid_urls = []
    priority = rng.choice((0, 10))
    for _ in range(pick_count(rng, (35, 40, 17, 8))):
        priority += rng.randint(1, 5)
        host = pick_weighted(rng, ("youtube", "nasa", "x"), (75, 15, 10))
        if host == "youtube":
            video = "".join(
                rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", k=11)
            )
            source, url = "youtube.com", f"https://www.youtube.com/watch?v={video}"
            feature_image = f"https://i.ytimg.com/vi/{video}/maxresdefault.jpg"
        elif host == "nasa":
            source, url = "plus.nasa.gov", f"https://plus.nasa.gov/scheduled-video/{slug}/"
            feature_image = (
                f"https://plus.nasa.gov/wp-content/uploads/{slug[:60]}-key-art.jpg"
                if rng.random() < 0.7
                else None
            )
        else:
            source, url, feature_image = (
                "x.com",
                f"https://x.com/{context.agency['abbrev']}/status/{rng.getrandbits(60)}",
                None,
            )
        start = context.timestamp - rng.randint(5, 60) * MINUTE if rng.random() < 0.6 else None
        end = start + rng.randint(30, 180) * MINUTE if start is not None and rng.random() < 0.85 else None
        vid_urls.append(
            {
                "priority": priority,
                "source": source,
                "publisher": rng.choice(WEBCAST_PUBLISHERS) if rng.random() < 0.9 else None,
                "title": truncate(rng.choice((name, f"{name} - Live Coverage", f"LIVE: {name}")), 200)
                if rng.random() < 0.95
                else None,
                "description": (
                    truncate(
                        f"Tune in for live coverage of {name}. {context.words['agency']} will provide "
                        "commentary and updates throughout.",
                        800,
                    )
                    if rng.random() < 0.8
                    else None
                ),
                "feature_image": feature_image,
                "url": url,
                "type": pick_weighted(rng, VIDURL_TYPES, VIDURL_TYPE_WEIGHTS),
                "language": pick_weighted(rng, LANGUAGES, LANGUAGE_WEIGHTS),
                "start_time": iso_datetime(start) if start is not None else None,
                "end_time": iso_datetime(end) if end is not None else None,
                "live": rng.random() < 0.03,
            }
        )
    return vid_urls


def make_info_urls(rng: random.Random, context: EventContext, name: str, slug: str) -> list[dict[str, Any]]:
    """Build 0-2 InfoURL objects; ``type`` and ``language`` are sometimes null."""
    year = datetime.fromtimestamp(context.timestamp, tz=UTC).year
    info_urls = []
    for priority in range(pick_count(rng, (55, 35, 10))):
        source, pattern = rng.choice(INFO_SOURCES)
        info_urls.append(
            {
                "priority": priority * 10,
                "source": source if rng.random() < 0.9 else None,
                "title": truncate(name, 200) if rng.random() < 0.85 else None,
                "description": f"Official information about {truncate(name, 300)}."
                if rng.random() < 0.5
                else None,
                "feature_image": f"https://{source}/images/{slug[:60]}.jpg" if rng.random() < 0.4 else None,
                "url": pattern.format(slug=slug[:80], year=year),
                "type": rng.choice(INFOURL_TYPES) if rng.random() < 0.8 else None,
                "language": pick_weighted(rng, LANGUAGES, LANGUAGE_WEIGHTS) if rng.random() < 0.8 else None,
            }
        )
    return info_urls


def make_updates(
    rng: random.Random, context: EventContext, event_id: int, last_updated: int
) -> list[dict[str, Any]]:
    """Build 0-4 Update objects created before ``last_updated``; ids are ``event_id * 10 + k``."""
    when = datetime.fromtimestamp(context.timestamp, tz=UTC)
    words = {
        "agency": context.agency["abbrev"],
        "month": MONTHS[when.month - 1],
        "year": str(when.year),
        "day": str(when.day),
    }
    updates = []
    for index in range(pick_count(rng, (30, 30, 20, 12, 8))):
        author, picture = rng.choice(UPDATE_AUTHORS)
        created_on = last_updated - rng.randint(0, 120 * DAY)
        updates.append(
            {
                "id": event_id * 10 + index,
                "profile_image": f"{MEDIA_BASE}/profile_images/{picture}" if picture else None,
                "comment": rng.choice(UPDATE_COMMENTS).format(**words) if rng.random() < 0.98 else None,
                "info_url": rng.choice(INFO_SOURCES)[1].format(
                    slug=f"update-{event_id}-{index}", year=when.year
                )
                if rng.random() < 0.7
                else None,
                "created_by": author,
                "created_on": iso_datetime(created_on - created_on % MINUTE),
            }
        )
    return updates


def event_last_updated(rng: random.Random, timestamp: int) -> int:
    """Return ``last_updated``: shortly after a past event, else some time before ``REFERENCE_NOW``."""
    if timestamp < REFERENCE_NOW:
        return min(timestamp + rng.randint(MINUTE, 5 * DAY), REFERENCE_NOW)
    return REFERENCE_NOW - rng.randint(0, 200 * DAY)


def event_duration(rng: random.Random, event_type: EventType) -> str | None:
    """Return the ISO 8601 duration of an event (null ~30%, zero ``"P0D"`` ~3%)."""
    roll = rng.random()
    if roll < 0.3:
        return None
    if roll < 0.33:
        return iso_duration(0)
    seconds = rng.randint(*event_type.duration_range)
    return iso_duration(seconds - seconds % MINUTE if rng.random() < 0.5 else seconds)


def related_expeditions(rng: random.Random, pool: Pool, context: EventContext) -> list[dict[str, Any]]:
    """Pick 0-2 expeditions of the event's station (or of a station active then) around the event date."""
    count = pick_count(rng, (65, 27, 8) if context.station else (85, 12, 3))
    if not count:
        return []
    station = context.station or rng.choice(context.active_stations)
    expeditions = pool.expeditions[station["id"]]
    index = bisect.bisect_right(pool.expedition_starts[station["id"]], context.date)
    window = expeditions[max(0, index - 2) : max(2, index)]
    return pick_distinct(rng, window, count)


def related_stations(rng: random.Random, context: EventContext) -> list[dict[str, Any]]:
    """Pick 0-2 space stations active at the event date, starting with the event's own station if any."""
    if context.station is None:
        return pick_distinct(rng, context.active_stations, pick_count(rng, (80, 17, 3)))
    others = [s for s in context.active_stations if s is not context.station]
    return [context.station, *pick_distinct(rng, others, pick_count(rng, (92, 8)))]


def make_event(rng: random.Random, pool: Pool, event_id: int) -> dict[str, Any]:
    """Build one EventEndpointDetailed object, with keys in API order."""
    context = make_context(rng, pool)
    name = make_name(rng, context)
    slug = event_slug(name, event_id)
    vid_urls = make_vid_urls(rng, context, name, slug)
    last_updated = event_last_updated(rng, context.timestamp)
    agencies = pick_distinct(rng, pool.agencies, pick_count(rng, (25, 40, 22, 13)))
    if agencies and context.agency not in agencies and rng.random() < 0.5:
        agencies[0] = context.agency
    return {
        "id": event_id,
        "url": api_url("events", event_id),
        "name": name,
        "info_urls": make_info_urls(rng, context, name, slug),
        "vid_urls": vid_urls,
        "image": (
            make_image(rng, EVENT_IMAGE_ID_OFFSET + event_id, name, min(context.timestamp, REFERENCE_NOW))
            if rng.random() >= 0.2
            else None
        ),
        "date": context.date,
        "slug": slug,
        "type": context.event_type.as_json(),
        "description": make_description(rng, context, name),
        "webcast_live": any(video["live"] for video in vid_urls),
        "location": (
            context.station["name"]
            if context.station
            else rng.choice(
                (
                    "Kennedy Space Center, FL, USA",
                    "Starbase, TX, USA",
                    "Baikonur Cosmodrome",
                    "Tanegashima Space Center",
                    "Jiuquan Satellite Launch Center",
                    "Online",
                    "Pacific Ocean",
                    "Johnson Space Center, Houston, TX, USA",
                    None,
                    None,
                )
            )
        ),
        "date_precision": precision_for(rng, context.timestamp) if rng.random() < 0.9 else None,
        "response_mode": "detailed",
        "duration": event_duration(rng, context.event_type),
        "updates": make_updates(rng, context, event_id, last_updated),
        "last_updated": iso_datetime(last_updated),
        "agencies": agencies,
        "launches": pool.launches_near(rng, context.timestamp, pick_count(rng, (45, 40, 15))),
        "expeditions": related_expeditions(rng, pool, context),
        "spacestations": related_stations(rng, context),
        "program": [context.program]
        if rng.random() < 0.35
        else pick_distinct(rng, pool.programs, pick_count(rng, (80, 15, 5))),
        "astronauts": pick_distinct(rng, pool.astronauts, pick_count(rng, (65, 15, 12, 8))),
    }


def generate_events(count: int, seed: int = 0, start_id: int = 100000) -> Iterator[dict[str, Any]]:
    """Yield ``count`` detailed event objects with ids ``start_id .. start_id + count - 1``.

    The output is a pure function of the arguments. Nested pool objects are shared between events.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    if start_id < 1:
        raise ValueError("start_id must be >= 1")
    pool = Pool(seed)
    rng = random.Random(f"ll2-events-stream-{seed}")
    for offset in range(count):
        yield make_event(rng, pool, start_id + offset)


# --------------------------------------------------------------------------------------------------------
# Output.
# --------------------------------------------------------------------------------------------------------


def write_json(events: Iterable[dict[str, Any]], count: int, output_format: str, stream: BinaryIO) -> None:
    """Stream events as UTF-8 JSON (one compact event per line) as a list or a pagination page."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    if output_format == "page":
        head, tail = f'{{"count":{count},"next":null,"previous":null,"results":[', "]}\n"
    else:
        head, tail = "[", "]\n"
    stream.write(head.encode())
    separator = "\n"
    for event in events:
        stream.write((separator + encoder.encode(event)).encode())
        separator = ",\n"
    stream.write((tail if separator == "\n" else "\n" + tail).encode())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Generate synthetic LL2 2.3.0 detailed event objects as JSON."
    )
    parser.add_argument("count", metavar="N", type=int, help="number of events to generate")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--output", default="-", help="output path, or '-' for stdout (default)")
    parser.add_argument(
        "--start-id", type=int, default=100000, help="id of the first event (default: 100000)"
    )
    parser.add_argument(
        "--format",
        dest="output_format",
        choices=("list", "page"),
        default="list",
        help="'list': JSON array; 'page': {count, next, previous, results} envelope",
    )
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("N must be >= 0")
    if args.start_id < 1:
        parser.error("--start-id must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    args = parse_args(argv)
    events = generate_events(args.count, seed=args.seed, start_id=args.start_id)
    if args.output == "-":
        write_json(events, args.count, args.output_format, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        with open(args.output, "wb") as stream:
            write_json(events, args.count, args.output_format, stream)


if __name__ == "__main__":
    main()
