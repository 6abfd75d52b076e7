"""Objects repeated within one import (ingest/batch.py): skipping a copy read before must change nothing.

Random batches of events sharing launches, programs, stations, agencies and astronauts, which hold images with
variants, each repeated word for word or altered (renamed, other variants, a launch's UUID in upper case), are
read as the importer reads them and with every copy read in full: the rows, the links and the children's
owners must come out the same.
"""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import batch as batch_module
from ingest.batch import Batch

from .conftest import SEED

SEED_EVENT = json.loads(SEED.read_text()) | {"updates": []}  # each update has one event
LAUNCH_IDS = ["8c2412ae-fbef-443f-aae8-db538f38eec6", "11111111-2222-3333-4444-555555555555"]
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def image(pk, version, variants):
    listed = [
        {"id": v, "type": {"id": 2, "name": "Small"}, "image_url": f"https://x.org/{v}.jpg"} for v in variants
    ]
    return SEED_EVENT["image"] | {"id": pk, "name": f"image {pk} v{version}", "variants": listed}


def copies(base, ids, held):
    """Copies of `base`, each with an id from `ids`, one of two names, and an image from `held`."""
    return st.lists(
        st.builds(
            lambda pk, version, held_image: base | {"id": pk, "name": f"v{version}", "image": held_image},
            ids,
            st.integers(0, 1),
            held,
        ),
        min_size=1,
    )


@st.composite
def events(draw):
    """Events whose nested objects are drawn from small pools, so that copies repeat and differ."""
    variants = st.lists(st.integers(1, 3), max_size=3)
    images = draw(st.lists(st.builds(image, st.integers(1, 3), st.integers(0, 1), variants), min_size=1))
    held = st.one_of(st.none(), st.sampled_from(images))
    # A launch's UUID in upper case is the same row.
    launch_ids = st.sampled_from(LAUNCH_IDS).flatmap(lambda pk: st.sampled_from([pk, pk.upper()]))
    launches = draw(copies(SEED_EVENT["launches"][0], launch_ids, held))
    programs = draw(copies(SEED_EVENT["program"][0], st.integers(1, 2), held))
    chosen = draw(
        st.lists(
            st.tuples(
                st.integers(1, 3),
                st.sampled_from(["detailed", "normal", "list"]),
                held,
                st.lists(st.sampled_from(launches), max_size=2),
                st.lists(st.sampled_from(programs), max_size=2),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return [
        copy.deepcopy(SEED_EVENT)
        | {
            "id": pk,
            "slug": f"e{pk}",
            "response_mode": mode,
            "image": event_image,
            "launches": ls,
            "program": ps,
        }
        for pk, mode, event_image, ls, ps in chosen
    ]


def read(records):
    batch = Batch()
    for record in records:
        batch.add_event(record)
    children = {slot: list(lists.items()) for slot, lists in batch.claimed_children().items()}
    return {kind: dict(rows) for kind, rows in batch.rows.items()}, dict(batch.links), children


@SETTINGS
@given(events())
def test_skipping_a_copy_read_before_changes_nothing(monkeypatch, records):
    skipping = read(records)
    with monkeypatch.context() as patched:
        patched.setattr(batch_module, "as_json", lambda data: None)  # no copy is recognised: each is read
        reading_all = read(records)
    assert skipping == reading_all
