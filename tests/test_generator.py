"""The synthetic event generator (`ingest.synthetic`, `manage.py generate_events`) is deterministic, and gives
the bytes it gave in bench/ (tests/test_api_queries.py imports its events as they are)."""

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command

from events.models import Event
from ingest.records import ingest_records
from ingest.synthetic import generate_events
from ingest.synthetic.events import MAX_EVENT_ID
from ingest.synthetic.output import write_json

from .spec import assert_matches_schema


def digest(events):
    return hashlib.sha256(json.dumps(list(events), sort_keys=False).encode()).hexdigest()


def test_same_arguments_give_identical_events():
    first = digest(generate_events(300, seed=4))
    # The events bench/generate_events.py gave, before the generator moved to ingest/synthetic.
    assert first == "b1fc356b03701b60f19760787958a10bc4a968dc36b9d3e49603e91c963d6621"
    assert digest(generate_events(300, seed=4)) == first


def test_generated_events_are_what_ll2s_schema_says_a_detailed_event_is():
    """Keys, their order and values, formats too: seed 3's 73rd event has an x.com video of the agency whose
    abbreviation is Cyrillic, which must be percent-encoded to make a `uri`."""
    for event in generate_events(300, seed=3):
        assert_matches_schema(event, "EventEndpointDetailed")


def test_other_seeds_give_other_events():
    assert digest(generate_events(50, seed=4)) != digest(generate_events(50, seed=5))


def test_a_shorter_run_is_a_prefix_of_a_longer_one():
    assert list(generate_events(20, seed=2)) == list(generate_events(40, seed=2))[:20]


# The bytes `python -m bench.generate_events 50 --seed 3 --start-id 7 [--format page]` wrote before the move.
WRITTEN = {
    "list": "f88443705f0bc795cd71408091100ea5dc84c33a5644ca7b961d85259bbd9153",
    "page": "40199fb40f0bd40816cc04703a1fe1e1fdb164a92ed4de24d17f0193079077df",
}


@pytest.mark.parametrize("output_format", WRITTEN)
def test_the_command_writes_the_same_bytes_to_a_file_and_to_stdout(tmp_path, output_format):
    arguments = ["generate_events", "50", "--seed", "3", "--start-id", "7", "--format", output_format]
    path = tmp_path / "events.json"
    call_command(*arguments, "--output", str(path))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == WRITTEN[output_format]
    stdout = io.StringIO()
    call_command(*arguments, stdout=stdout)
    assert stdout.getvalue().encode() == path.read_bytes()
    library = io.BytesIO()
    write_json(generate_events(50, seed=3, start_id=7), 50, output_format, library)
    assert library.getvalue() == path.read_bytes()


def test_the_command_writes_a_page_or_a_list(tmp_path):
    path = tmp_path / "events.json"
    call_command("generate_events", "3", "--start-id", "1", "--format", "page", "--output", str(path))
    page = json.loads(path.read_text())
    assert (page["count"], [event["id"] for event in page["results"]]) == (3, [1, 2, 3])
    stdout = io.StringIO()
    call_command("generate_events", "0", stdout=stdout)
    assert stdout.getvalue() == "[]\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-1"], r"count \(N\) must be >= 0"),
        (["1", "--start-id", "0"], r"start_id \(--start-id\) must be >= 1"),
        (
            ["5", "--start-id", "204748360"],
            r"the last event's id, start_id \+ count - 1 \(--start-id \+ N - 1\), must be <= 204748363",
        ),
    ],
)
def test_the_command_refuses_bad_arguments(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_events", *arguments, stdout=io.StringIO())


@pytest.mark.django_db
def test_the_last_event_id_allowed_imports_with_every_id_derived_from_it():
    [event] = generate_events(1, seed=1, start_id=MAX_EVENT_ID)
    assert ingest_records([event], source="generated").changed
    assert Event.objects.get().pk == MAX_EVENT_ID
    with pytest.raises(ValueError, match=f"must be <= {MAX_EVENT_ID}"):
        generate_events(2, start_id=MAX_EVENT_ID)
