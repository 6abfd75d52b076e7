"""The benchmark generator is deterministic and writes events the importer accepts as they are."""

import hashlib
import json

from events.models import Event


def digest(events):
    return hashlib.sha256(json.dumps(list(events), sort_keys=False).encode()).hexdigest()


def test_same_arguments_give_identical_events(generator):
    assert digest(generator.generate_events(300, seed=4)) == digest(generator.generate_events(300, seed=4))


def test_other_seeds_give_other_events(generator):
    assert digest(generator.generate_events(50, seed=4)) != digest(generator.generate_events(50, seed=5))


def test_a_shorter_run_is_a_prefix_of_a_longer_one(generator):
    assert list(generator.generate_events(20, seed=2)) == list(generator.generate_events(40, seed=2))[:20]


def test_generated_events_import_and_count(generated):
    assert Event.objects.count() == len(generated) == 402
