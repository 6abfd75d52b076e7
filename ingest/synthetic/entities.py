"""Builders of nested LL2 objects shared by the pool and events: images, agencies, patches, precisions."""

import random
from collections.abc import Sequence
from typing import Any

from .constants import AGENCY_COUNT, DAY, MEDIA_BASE, REFERENCE_NOW
from .formatting import api_url, compact_stamp, slugify, truncate
from .lookups import AGENCY_TYPES, IMAGE_LICENSE_WEIGHTS, IMAGE_LICENSES, IMAGE_VARIANT_TYPES, NET_PRECISIONS
from .sampling import pick_count, pick_distinct, pick_weighted
from .vocabulary import AGENCY_NAME_PREFIXES, AGENCY_NAME_SUFFIXES, REAL_AGENCIES


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
