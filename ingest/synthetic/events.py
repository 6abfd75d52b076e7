"""Assembly of whole events and the public ``generate_events`` stream."""

import functools
import random
from collections.abc import Iterator
from typing import Any

from spacedevs.api.numbers import MAX_INTEGER

from .constants import EVENT_IMAGE_ID_OFFSET, REFERENCE_NOW
from .entities import make_image, precision_for
from .event_fields import (
    event_duration,
    event_last_updated,
    make_context,
    make_description,
    make_info_urls,
    make_name,
    make_updates,
    make_vid_urls,
    related_expeditions,
    related_stations,
)
from .formatting import api_url, event_slug, iso_datetime
from .pool import Pool
from .sampling import pick_count, pick_distinct


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


# The last event id whose derived ids are LL2 ids (32-bit): its updates' `event_id * 10 + k` and its image's
# variants' `(EVENT_IMAGE_ID_OFFSET + event_id) * 10 + k`, each k below 10.
MAX_EVENT_ID = (MAX_INTEGER - 9) // 10 - EVENT_IMAGE_ID_OFFSET


def generate_events(count: int, seed: int = 0, start_id: int = 100000) -> Iterator[dict[str, Any]]:
    """Return an iterator over ``count`` detailed event objects with ids ``start_id .. start_id + count - 1``.

    The output is a pure function of the arguments. Nested pool objects are shared between events, and
    between the calls with the same seed: treat them as read-only.
    Invalid arguments raise ``ValueError`` immediately, before iteration starts.
    """
    # Each message names the argument as the function and as generate_events (the command) take it.
    if count < 0:
        raise ValueError("count (N) must be >= 0")
    if start_id < 1:
        raise ValueError("start_id (--start-id) must be >= 1")
    if start_id + count - 1 > MAX_EVENT_ID:
        # Its updates' and image variants' ids are derived from it, and must be 32-bit too.
        raise ValueError(
            f"the last event's id, start_id + count - 1 (--start-id + N - 1), must be <= {MAX_EVENT_ID}"
        )
    return _event_stream(count, seed, start_id)


@functools.lru_cache(maxsize=4)
def _pool(seed: int) -> Pool:
    """The pool of ``seed``, built once per process: it is read-only, and takes longer to build than a few
    hundred events."""
    return Pool(seed)


def _event_stream(count: int, seed: int, start_id: int) -> Iterator[dict[str, Any]]:
    """Yield the events of ``generate_events`` (arguments already validated)."""
    pool = _pool(seed)
    rng = random.Random(f"ll2-events-stream-{seed}")
    for offset in range(count):
        yield make_event(rng, pool, start_id + offset)
