"""The shared pool of nested entities (agencies, stations, expeditions, programs, astronauts, launches)."""

import bisect
import itertools
import random
import uuid
from datetime import UTC, datetime
from typing import Any

from .constants import (
    ASTRONAUT_COUNT,
    DATE_END,
    DATE_START,
    DAY,
    HOUR,
    LAUNCH_COUNT,
    MEDIA_BASE,
    MINUTE,
    PROGRAM_COUNT,
    REFERENCE_NOW,
)
from .entities import make_agencies, make_image, make_mission_patch, precision_for
from .formatting import api_url, iso_datetime, iso_duration, slugify, timestamp_of
from .lookups import (
    ASTRONAUT_STATUS_WEIGHTS,
    ASTRONAUT_STATUSES,
    LAUNCH_STATUSES,
    PROGRAM_TYPES,
    SPACE_STATION_STATUSES,
    SPACE_STATION_TYPE_GOVERNMENT,
)
from .sampling import pick_count, pick_distinct, pick_weighted
from .vocabulary import (
    EXPEDITIONS_PER_STATION,
    FIRST_NAMES,
    LAST_NAMES,
    PROGRAM_NAMES,
    ROCKET_PAYLOADS,
    SPACE_STATIONS,
    SPACEWALK_PREFIXES,
    STATION_EXPEDITION_STARTS,
)


class Pool:
    """The fixed set of nested entities that events reference, built once per seed.

    Each entity is generated exactly once, so an id always maps to the identical (shared) object.
    """

    def __init__(self, seed: int) -> None:
        """Build every pool entity from a random generator seeded with ``seed`` only."""
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
        prefix = rng.choice(SPACEWALK_PREFIXES[station["id"]])
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
