"""Builders of an event's fields: its random context, name, description, links, updates and relations."""

import bisect
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from .constants import (
    DATE_END,
    DATE_START,
    DAY,
    DESCRIPTION_MAX_LENGTH,
    MEDIA_BASE,
    MINUTE,
    NAME_MAX_LENGTH,
    REFERENCE_NOW,
)
from .event_types import EVENT_TYPE_WEIGHTS, EVENT_TYPES, EventType
from .formatting import fill, iso_datetime, iso_duration, truncate
from .lookups import INFOURL_TYPES, LANGUAGE_WEIGHTS, LANGUAGES, VIDURL_TYPE_WEIGHTS, VIDURL_TYPES
from .pool import Pool
from .sampling import pick_count, pick_distinct, pick_weighted
from .vocabulary import (
    BODIES,
    DESCRIPTION_SENTENCES,
    INFO_SOURCES,
    MONTHS,
    NON_ASCII_SUFFIXES,
    PROBES,
    ROCKET_PAYLOADS,
    SPACECRAFT,
    TASKS,
    UPDATE_AUTHORS,
    UPDATE_COMMENTS,
    WEBCAST_PUBLISHERS,
)


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
                # Percent-encoded: LL2's schema says `uri` (RFC 3986), and one abbreviation is Cyrillic.
                f"https://x.com/{quote(context.agency['abbrev'])}/status/{rng.getrandbits(60)}",
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
