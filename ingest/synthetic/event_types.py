"""The event types: their LL2 id and name, frequency, name templates and duration range."""

from dataclasses import dataclass
from typing import Any

from .constants import DAY, HOUR, MINUTE


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
