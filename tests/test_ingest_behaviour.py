"""The ingestion path: whole fixture set, idempotency, atomic failure with a clear error, stdin, updates."""

import copy
import io
import json
import re
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

import ingest.writer
from config.models import Image, ImageVariant
from events.models import Event, EventAgency, Update, VidURL
from ingest.management.commands import import_ll2 as import_ll2_command
from ingest.records import IngestError, ingest_records, parse_document
from ingest.schema import KINDS
from ingest.synthetic import generate_events
from launches.models import Launch
from spacedevs.models import DataState
from spacedevs.text_bounds import LONG_URL_LENGTH

from .conftest import SEED, fixture_events, fixture_files, snapshot_tables
from .test_stored_documents import assert_documents_current

SEED_EVENT = json.loads(SEED.read_text())


def write_json(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False))
    return path


def test_fixtures_import_every_event(all_fixtures):
    events = fixture_events()
    assert len(events) == 114
    stored = dict(Event.objects.values_list("id", "slug"))
    assert stored == {event_id: event["slug"] for event_id, event in events.items()}
    for event_id, event in events.items():
        assert VidURL.objects.filter(event_id=event_id).count() == len(event["vid_urls"])
        assert list(
            Update.objects.filter(event_id=event_id).order_by("position").values_list("id", flat=True)
        ) == [update["id"] for update in event["updates"]]
        assert list(
            EventAgency.objects.filter(event_id=event_id)
            .order_by("position")
            .values_list("agency_id", flat=True)
        ) == [agency["id"] for agency in event["agencies"]]


def test_second_import_changes_nothing_and_says_so(all_fixtures, import_ll2):
    before = snapshot_tables()
    output = import_ll2(*fixture_files())
    assert snapshot_tables() == before
    assert "imported" not in output
    assert output.count("no changes") == len(fixture_files())
    assert f"{SEED}: no changes (1 event already up to date)" in output


def test_summary_counts_created_then_unchanged(db, import_ll2):
    first = import_ll2(SEED)
    assert "  event                       1        0          0" in first
    assert "  agency                      5        0          0" in first
    assert import_ll2(SEED) == f"{SEED}: no changes (1 event already up to date)\n"


def test_changed_values_and_reordered_lists_are_updated(seeded, tmp_path, import_ll2):
    changed = copy.deepcopy(SEED_EVENT)
    changed["name"] = "HTV-X1 Release"
    changed["updates"].reverse()
    changed["program"][0]["agencies"].reverse()
    output = import_ll2(write_json(tmp_path, "changed.json", changed))
    assert "  event                       0        1          0" in output
    assert "  program                     0        1          0" in output
    event = Event.objects.get(pk=352)
    assert event.name == "HTV-X1 Release"
    assert list(event.updates.order_by("position").values_list("id", flat=True)) == [
        13844,
        14005,
        14184,
        13611,
    ]
    assert list(
        event.program.get().agencies.order_by("programagency__position").values_list("id", flat=True)
    ) == [
        63,
        44,
        37,
        27,
        16,
    ]


def test_a_null_program_or_astronauts_list_is_read_as_empty(seeded, client):
    # LL2's spec declares both nullable (in practice `[]`); they are served as `[]`, as every list is.
    assert Event.objects.get(pk=352).program.exists()
    nulls = copy.deepcopy(SEED_EVENT) | {"program": None, "astronauts": None}
    ingest_records([nulls], source="nulls")
    event = Event.objects.get(pk=352)
    assert (list(event.program.all()), list(event.astronauts.all())) == ([], [])
    served = client.get("/2.3.0/events/352/?format=json").json()
    assert (served["program"], served["astronauts"]) == ([], [])


@pytest.mark.parametrize("key", ["agencies", "launches", "updates", "vid_urls"])
def test_a_null_list_the_spec_does_not_allow_is_refused(seeded, key):
    with pytest.raises(IngestError, match=f"field '{key}': expected a list, got NoneType"):
        ingest_records([copy.deepcopy(SEED_EVENT) | {key: None}], source="nulls")


def test_lighter_modes_leave_the_fields_they_lack_alone(seeded, tmp_path, import_ll2):
    as_list = {key: SEED_EVENT[key] for key in list(SEED_EVENT)[:15]} | {"response_mode": "list"}
    as_list["name"] = "Renamed in list mode"
    before = snapshot_tables()
    import_ll2(write_json(tmp_path, "list.json", as_list))
    after = snapshot_tables()
    assert Event.objects.get(pk=352).name == "Renamed in list mode"
    assert after["events.Update"] == before["events.Update"]
    assert after["events.EventAgency"] == before["events.EventAgency"]
    assert after["events.EventProgram"] == before["events.EventProgram"]


def test_list_mode_creates_a_new_event_with_a_last_updated(db, tmp_path, import_ll2):
    as_list = {key: SEED_EVENT[key] for key in list(SEED_EVENT)[:15]} | {"response_mode": "list"}
    import_ll2(write_json(tmp_path, "list.json", as_list))
    event = Event.objects.get(pk=352)
    assert event.last_updated is not None
    assert not event.updates.exists()


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        (lambda e: e["vid_urls"][1]["type"].update(id="one"), "vid_urls[1].type.id", "expected an integer"),
        (lambda e: e.pop("slug"), "slug", "is missing"),
        (lambda e: e.update(date="6 March 2026"), "date", "expected an ISO 8601 date-time"),
        (lambda e: e.update(duration="1h5m"), "duration", "expected an ISO 8601 duration"),
        (lambda e: e.update(name=None), "name", "must not be null"),
        (lambda e: e.update(name="x" * 201), "name", "longer than 200 characters"),
        (lambda e: e.update(slug="not a slug"), "slug", "'not a slug' does not match"),
        (lambda e: e.update(webcast_live="no"), "webcast_live", "expected true or false"),
        (lambda e: e["launches"][0].update(id="8c2412ae"), "launches[0].id", "expected a UUID"),
        (lambda e: e.update(agencies={}), "agencies", "expected a list"),
        (lambda e: e["program"][0].update(agencies=[3]), "program[0].agencies[0]", "expected an object"),
        (lambda e: e.update(response_mode="full"), "response_mode", "unknown mode 'full'"),
        (lambda e: e.update(response_mode=["detailed"]), "response_mode", "unknown mode ['detailed']"),
        # Ids that cannot be one: not a key to look a repeated object up by, and no path the API routes.
        (lambda e: e["type"].update(id=[13]), "type.id", "expected an integer, got [13]"),
        (lambda e: e["agencies"][0].update(id={"id": 1}), "agencies[0].id", "expected an integer"),
        (lambda e: e["agencies"][0].update(id=-7), "agencies[0].id", "-7 is outside 0…2147483647"),
        (lambda e: e.update(slug="htv-x1-reentry\n"), "slug", "'htv-x1-reentry\\n' does not match"),
    ],
)
def test_a_broken_record_changes_nothing_and_names_record_and_field(db, tmp_path, document, field, message):
    records = list(fixture_events().values())[:45]
    broken = copy.deepcopy(SEED_EVENT)
    document(broken)
    records[39] = broken
    assert_refused(
        write_json(tmp_path, "broken.json", records), f"record 40 (id 352): field '{field}': {message}"
    )


def assert_refused(path, error):
    """Importing `path` changes nothing and fails naming the file, then `error`."""
    before = snapshot_tables()
    with pytest.raises(CommandError) as raised:
        call_command("import_ll2", str(path))
    assert snapshot_tables() == before
    assert str(raised.value).startswith(f"{path}: {error}")


@pytest.mark.parametrize(
    ("field", "first", "second", "message"),
    [
        ("image.single_use", False, 0, "expected true or false, got 0"),
        ("type.id", 1, True, "expected an integer, got True"),
    ],
)
def test_a_repeated_object_is_read_again_unless_the_same_json(db, tmp_path, field, first, second, message):
    # `==` would take the second copy for the first (False == 0, True == 1) and pass it unread.
    name, key = field.split(".")
    records = [
        copy.deepcopy(SEED_EVENT) | {"id": 900_001 + number, "slug": f"copy-{number}"} for number in (0, 1)
    ]
    for record, value in zip(records, (first, second), strict=True):
        record[name] = dict(SEED_EVENT[name]) | {key: value}
    assert_refused(
        write_json(tmp_path, "copies.json", records), f"record 2 (id 900002): field '{field}': {message}"
    )


def test_command_exits_non_zero_on_a_broken_file(db, tmp_path, capsys):
    path = write_json(tmp_path, "broken.json", [{**SEED_EVENT, "date": None}])
    with pytest.raises(SystemExit) as raised:
        execute_from_command_line(["manage.py", "import_ll2", str(path)])
    assert raised.value.code == 1
    assert (
        capsys.readouterr().err
        == f"CommandError: {path}: record 1 (id 352): field 'date': must not be null\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[{"id": 1,',
            "malformed JSON: Expecting property name enclosed in double quotes at line 1 column 11",
        ),
        (b"\xff\xfe", "not UTF-8 text"),
        ("42", "expected an event object, a list of events or a paginated page with 'results'"),
        ("[" * 100_000, "JSON nested too deeply to read"),
        ('[{"id": 1' + "0" * 5000 + "}]", "malformed JSON: Exceeds the limit (4300 digits)"),
    ],
)
def test_unreadable_documents_name_the_source(text, message):
    with pytest.raises(IngestError) as raised:
        parse_document(text, source="dump.json")
    assert str(raised.value).startswith(f"dump.json: {message}")


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        *((constant, f"{constant} is not JSON") for constant in ("NaN", "Infinity", "-Infinity")),
        # Past a double's range: Python reads them as infinity.
        *((number, f"the number {number} is past a double's range") for number in ("1e400", "-1.5E+309")),
    ],
)
def test_numbers_that_are_not_json_are_malformed_json(db, tmp_path, number, reason):
    # Python's parser takes them, and orjson writes them as null: a copy holding one passed, unread, for a
    # copy holding null.
    path = tmp_path / "numbers.json"
    first = json.dumps(SEED_EVENT)
    second = first.replace('"credit": null', f'"credit": {number}', 1)
    assert second != first
    path.write_text(f"[{first}, {second}]")
    assert_refused(path, f"malformed JSON: {reason}")


def test_documents_may_be_an_event_a_list_or_a_page():
    assert parse_document(json.dumps(SEED_EVENT), source="-") == [SEED_EVENT]
    assert parse_document(json.dumps([SEED_EVENT]), source="-") == [SEED_EVENT]
    page = {"count": 1, "next": None, "previous": None, "results": [SEED_EVENT]}
    assert parse_document(json.dumps(page), source="-") == [SEED_EVENT]


def test_reads_stdin(db, monkeypatch, capsys):
    page = {"count": 1, "next": None, "previous": None, "results": [SEED_EVENT]}
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(page).encode())))
    call_command("import_ll2", "-")
    assert "<stdin>: imported" in capsys.readouterr().out
    assert Event.objects.filter(pk=352).exists()


@pytest.mark.parametrize(
    ("stdin", "path", "message"),
    [
        (None, "-", "<stdin>: cannot read: standard input is closed"),
        (io.StringIO(""), "missing.json", "missing.json: cannot read: No such file or directory"),
        (io.StringIO(""), ".", ".: cannot read: Is a directory"),
    ],
)
def test_an_unreadable_input_is_named_and_nothing_changes(db, monkeypatch, stdin, path, message):
    monkeypatch.setattr("sys.stdin", stdin)
    before = snapshot_tables()
    with pytest.raises(CommandError) as raised:
        call_command("import_ll2", path)
    assert str(raised.value) == message
    assert snapshot_tables() == before


def test_a_database_error_is_said_in_a_line_naming_the_file(db, monkeypatch):
    # As sync_ll2 says it: the traceback of a database not there, or not migrated, was some 70 lines.
    def not_migrated(*args, **kwargs):
        raise OperationalError('relation "config_agencytype" does not exist\nLINE 1: SELECT ...')

    monkeypatch.setattr(import_ll2_command, "ingest_records", not_migrated)
    with pytest.raises(CommandError) as raised:
        call_command("import_ll2", str(SEED))
    assert str(raised.value) == (f'{SEED}: database error: relation "config_agencytype" does not exist')


def test_an_update_moving_to_another_event_moves(seeded):
    other = copy.deepcopy(SEED_EVENT) | {"id": 353, "slug": "htv-x1-other"}
    other["updates"] = other["updates"][:1]
    seed_without_first = copy.deepcopy(SEED_EVENT)
    seed_without_first["updates"] = SEED_EVENT["updates"][1:]
    ingest_records([seed_without_first, other], source="test")
    assert Update.objects.get(pk=13611).event_id == 353
    assert Update.objects.filter(event_id=352).count() == 3


def test_a_child_two_events_list_is_the_last_ones_and_imports_again_unchanged(seeded):
    first, *others = SEED_EVENT["updates"]
    other = copy.deepcopy(SEED_EVENT) | {"id": 353, "slug": "htv-x1-other"}
    other["updates"] = [first, others[0], first]  # listed twice: kept at its last place
    assert ingest_records([SEED_EVENT, other], source="test").changed
    by_event = {
        event: list(Update.objects.filter(event_id=event).order_by("position").values_list("pk", flat=True))
        for event in (352, 353)
    }
    assert by_event == {352: [update["id"] for update in others[1:]], 353: [others[0]["id"], first["id"]]}
    version = DataState.current().version
    assert not ingest_records([SEED_EVENT, other], source="test").changed
    assert DataState.current().version == version


def test_a_child_a_later_list_of_its_owner_leaves_stays_with_the_other_owner_that_lists_it(db):
    first, second = SEED_EVENT["updates"][:2]
    other = copy.deepcopy(SEED_EVENT) | {"id": 353, "slug": "htv-x1-other", "updates": [second]}
    listing_both = copy.deepcopy(SEED_EVENT) | {"updates": [first, second]}
    listing_first = copy.deepcopy(SEED_EVENT) | {"updates": [first]}  # 352 as it ends in this import
    ingest_records([other, listing_both, listing_first], source="test")
    assert dict(Update.objects.values_list("pk", "event_id")) == {first["id"]: 352, second["id"]: 353}
    assert_documents_current()


def test_a_child_goes_to_the_last_read_that_lists_it_even_a_verbatim_copy(db):
    def image(pk, variants):
        variant = {"type": {"id": 2, "name": "Small"}, "image_url": "https://example.org/small.jpg"}
        return SEED_EVENT["image"] | {"id": pk, "variants": [variant | {"id": each} for each in variants]}

    # Image 3 listing variant 3 last comes again word for word, after image 2 took it.
    images = [image(2, [1, 3]), image(3, [2, 3, 1]), image(3, [3]), image(2, [3, 0]), image(3, [3])]
    records = [
        copy.deepcopy(SEED_EVENT)
        | {"id": 352 + number, "slug": f"copy-{number}", "image": given, "updates": []}
        for number, given in enumerate(images)
    ]
    ingest_records(records, source="test")
    assert dict(ImageVariant.objects.values_list("pk", "image_id")) == {3: 3, 0: 2}
    assert_documents_current()


def test_a_verbatim_copy_reads_again_what_it_holds(db):
    def image(pk, variants, name="An image"):
        variant = {"type": {"id": 2, "name": "Small"}, "image_url": "https://example.org/small.jpg"}
        return SEED_EVENT["image"] | {"id": pk, "name": name, "variants": [variant | {"id": 3}] * variants}

    launch = SEED_EVENT["launches"][0] | {"image": image(3, variants=1)}
    # Launch L holds image 3, which lists variant 3. Image 2 takes the variant, image 3 is renamed and lists
    # none; then L comes again, word for word: the image it holds is the last read, as it holds it.
    images = [SEED_EVENT["image"], image(2, variants=1), image(3, variants=0, name="Renamed")]
    records = [
        copy.deepcopy(SEED_EVENT) | {"id": 352 + number, "slug": f"copy-{number}", "image": given}
        for number, given in enumerate(images)
    ]
    records[0]["launches"] = [launch]
    for record in records[1:]:
        record["updates"] = record["launches"] = []  # each update has one event; no other copy of L
    records.append(copy.deepcopy(records[0]) | {"id": 355, "slug": "again", "updates": []})
    ingest_records(records, source="test")
    assert dict(ImageVariant.objects.values_list("pk", "image_id")) == {3: 3}
    assert Image.objects.get(pk=3).name == "An image"
    assert_documents_current()


def test_the_last_copy_of_an_object_wins_however_its_id_is_spelled(db):
    launch = SEED_EVENT["launches"][0]
    renamed = copy.deepcopy(launch) | {"id": launch["id"].upper(), "name": "Renamed"}
    records = [
        copy.deepcopy(SEED_EVENT) | {"id": 352 + number, "slug": f"copy-{number}", "launches": [given]}
        for number, given in enumerate([launch, renamed, launch])
    ]
    for record in records[1:]:
        record["updates"] = []  # each update has one event
    ingest_records(records, source="test")
    assert list(Launch.objects.values_list("name", flat=True)) == [launch["name"]]
    assert_documents_current()


@pytest.fixture
def progress_threshold(monkeypatch):
    """Inputs of 20 events or more count as long, so that the tests stay quick."""
    monkeypatch.setattr(import_ll2_command, "PROGRESS_THRESHOLD", 20)
    return 20


def test_long_inputs_show_a_progress_bar_on_a_terminal(db, tmp_path, capsys, progress_threshold, monkeypatch):
    path = write_json(tmp_path, "many.json", list(generate_events(progress_threshold, seed=1, start_id=1)))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr("ingest.records.RECORDS_PER_BATCH", 7)  # the bar moves by each batch's records
    call_command("import_ll2", str(path))
    captured = capsys.readouterr()
    assert "20/20" in captured.err
    assert max(int(done) for done in re.findall(r"(\d+)/20\b", captured.err)) == 20
    assert "  event                      20        0          0" in captured.out


def test_short_inputs_no_progress_and_no_terminal_show_none(
    db, tmp_path, capsys, progress_threshold, monkeypatch
):
    path = write_json(tmp_path, "many.json", list(generate_events(progress_threshold, seed=1, start_id=1)))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    call_command("import_ll2", str(path), "--no-progress")
    call_command("import_ll2", str(SEED))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)  # a pipe, a file, a container's log
    call_command("import_ll2", str(path))
    assert capsys.readouterr().err == ""


def test_an_import_with_stderr_closed_imports_without_progress(
    db, tmp_path, capsys, progress_threshold, monkeypatch
):
    # `import_ll2 … 2>&-`: Python's sys.stderr is None.
    path = write_json(tmp_path, "many.json", list(generate_events(progress_threshold, seed=1, start_id=1)))
    monkeypatch.setattr(sys, "stderr", None)
    call_command("import_ll2", str(path))
    assert "  event                      20        0          0" in capsys.readouterr().out
    assert Event.objects.count() == progress_threshold


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"last_updated": "0001-01-01T00:00:00+01:00"},
            "(id 352): field 'last_updated': '0001-01-01T00:00:00+01:00' falls outside the years 1-9999",
        ),
        ({"id": 2**63}, f"record 1 (id {2**63}): field 'id': {2**63} is outside 0…2147483647"),
        ({"type": {"id": 2**40, "name": "x"}}, f"field 'type.id': {2**40} is outside 0…2147483647"),
        # A value or an id too long to quote is cut short, where the message names it.
        (
            {"id": 10**100},
            f"record 1 (id 1{'0' * 56}...): field 'id': 1{'0' * 56}... is outside 0…2147483647",
        ),
        (
            {"id": "9" * 1000},
            f"record 1 (id '{'9' * 56}...): field 'id': expected an integer, got '{'9' * 56}...",
        ),
        # Quoted as Python writes it: a message is saved in the database (a sync's), which holds no NUL.
        ({"id": "a\x00b"}, "record 1 (id 'a\\x00b'): field 'id': expected an integer, got 'a\\x00b'"),
        ({"id": True}, "record 1 (id True): field 'id': expected an integer, got True"),
        # Beyond Python's durations, and beyond SQLite's (a 64-bit count of microseconds).
        ({"duration": "P1000000000D"}, "field 'duration': 'P1000000000D' is longer than a database stores"),
        ({"duration": "P200000000D"}, "field 'duration': 'P200000000D' is longer than a database stores"),
        # JSON escapes can spell half a UTF-16 pair, which is no text.
        ({"name": "a \ud800"}, "field 'name': 'a \\ud800' is not Unicode text (a lone surrogate)"),
    ],
)
def test_values_the_database_cannot_hold_are_clear_errors(db, tmp_path, change, message):
    path = tmp_path / "edge.json"
    path.write_text(json.dumps([SEED_EVENT | change]))  # ASCII: a lone surrogate as its escape
    with pytest.raises(CommandError) as raised:
        call_command("import_ll2", str(path))
    assert message in str(raised.value)
    assert not Event.objects.exists()


def test_urls_the_spec_leaves_unbounded_hold_2048_characters(seeded, client):
    # An image's URL, a video's: LL2's spec gives them no length; a longer one than a column holds would stop
    # every sync at its record.
    long_url = "https://example.org/" + "a" * (LONG_URL_LENGTH - 20)
    event = copy.deepcopy(SEED_EVENT)
    event["image"]["image_url"] = event["vid_urls"][0]["url"] = long_url
    ingest_records([event], source="long urls")
    served = client.get("/2.3.0/events/352/?format=json").json()
    assert (served["image"]["image_url"], served["vid_urls"][0]["url"]) == (long_url, long_url)
    # Indexed (the `video_url` filter), a video's URL is bounded in bytes too: an index entry holds 2,704.
    wide = "https://example.org/" + "é" * 1400  # 1,420 characters, 2,820 bytes as UTF-8
    event["image"]["image_url"] = event["vid_urls"][0]["url"] = wide
    with pytest.raises(IngestError, match=r"field 'vid_urls\[0\]\.url': longer than 2600 bytes as UTF-8"):
        ingest_records([event], source="wide")
    event["vid_urls"][0]["url"] = long_url
    ingest_records([event], source="wide image")
    assert client.get("/2.3.0/events/352/?format=json").json()["image"]["image_url"] == wide
    event["vid_urls"][0]["url"] = long_url + "a"
    with pytest.raises(
        IngestError, match=f"field 'vid_urls\\[0\\].url': longer than {LONG_URL_LENGTH} characters"
    ):
        ingest_records([event], source="too long")


def test_an_event_slug_the_spec_leaves_unbounded_holds_2048_characters(seeded, client):
    # As a launch's: LL2's spec gives neither a length (a slug is ASCII: 2,048 bytes, within an index entry).
    event = SEED_EVENT | {"slug": "a" * LONG_URL_LENGTH}
    ingest_records([event], source="long slug")
    assert client.get("/2.3.0/events/352/?format=json").json()["slug"] == event["slug"]
    assert client.get(f"/2.3.0/events/?slug={event['slug']}&format=json").json()["count"] == 1
    assert client.get(f"/2.3.0/events/?slug={event['slug']}b&format=json").json()["count"] == 0
    with pytest.raises(IngestError, match=f"field 'slug': longer than {LONG_URL_LENGTH} characters"):
        ingest_records([event | {"slug": "a" * (LONG_URL_LENGTH + 1)}], source="too long")


def test_urls_are_stored_and_served_as_sent(seeded, client):
    """Neither checked nor rewritten: LL2's data holds RFC 3986 URIs, as its schema says, but an IRI (a
    non-ASCII path, which Django's URLValidator takes) is served as LL2 sent it, not percent-encoded."""
    iri = "https://x.com/ГК/status/1"
    event = copy.deepcopy(SEED_EVENT)
    event["vid_urls"][0]["url"] = event["image"]["image_url"] = iri
    ingest_records([event], source="iri")
    served = client.get("/2.3.0/events/352/?format=json").json()
    assert (served["vid_urls"][0]["url"], served["image"]["image_url"]) == (iri, iri)


def test_a_slug_another_event_holds_is_a_clear_error(seeded, tmp_path):
    other = copy.deepcopy(SEED_EVENT) | {"id": 353}
    path = write_json(tmp_path, "slug.json", [other])
    before = snapshot_tables()
    with pytest.raises(CommandError) as raised:
        call_command("import_ll2", str(path))
    assert str(raised.value) == (
        f"{path}: record 1 (id 353): field 'slug': event 353: slug 'htv-x1-release-reentry' already belongs"
        " to event 352"
    )
    assert snapshot_tables() == before


def test_two_new_events_with_one_slug_are_a_clear_error(db, tmp_path):
    path = write_json(tmp_path, "twins.json", [SEED_EVENT, copy.deepcopy(SEED_EVENT) | {"id": 353}])
    with pytest.raises(CommandError) as raised:
        call_command("import_ll2", str(path))
    assert str(raised.value) == (
        f"{path}: record 2 (id 353): field 'slug': event 353: slug 'htv-x1-release-reentry' already belongs"
        " to event 352 in this import"
    )
    assert not Event.objects.exists()


def with_slugs(*slugs, first=352):
    """The seed event as events `first`, `first` + 1…, with these slugs (and no updates: each has its own
    LL2 id)."""
    return [
        copy.deepcopy(SEED_EVENT) | {"id": pk, "slug": slug, "updates": []}
        for pk, slug in enumerate(slugs, first)
    ]


def stored_slugs():
    return dict(Event.objects.values_list("id", "slug"))


@pytest.mark.parametrize("reverse", [False, True], ids=["freed-first", "taken-first"])
def test_a_slug_freed_and_taken_in_one_import_moves(seeded, reverse):
    # 352 leaves its slug for a new one, and a new event 353 takes it, in either order.
    records = with_slugs("htv-x1-renamed", SEED_EVENT["slug"])
    ingest_records(records[::-1] if reverse else records, source="test")
    assert stored_slugs() == {352: "htv-x1-renamed", 353: SEED_EVENT["slug"]}
    documents = dict(Event.objects.values_list("id", "document__detailed"))
    assert '"slug":"htv-x1-renamed"' in documents[352].replace(" ", "")
    assert f'"slug":"{SEED_EVENT["slug"]}"' in documents[353].replace(" ", "")


@pytest.mark.parametrize(
    "slugs", [("b", "a"), ("b", "c", "a"), ("b", "a", "d", "c")], ids=["swap", "rotation", "two-swaps"]
)
def test_slugs_swapped_between_stored_events_in_one_import(db, slugs):
    ingest_records(with_slugs(*"abcd"[: len(slugs)]), source="test")
    ingest_records(with_slugs(*slugs), source="test")
    assert stored_slugs() == {352 + n: slug for n, slug in enumerate(slugs)}
    # Written again, nothing changes.
    assert not ingest_records(with_slugs(*slugs), source="test").changed


@pytest.mark.parametrize(
    ("records", "message"),
    [
        # A stored event renamed to the slug a new event takes in the same import.
        (
            with_slugs("htv-x1-renamed", "htv-x1-renamed"),
            "record 2 (id 353): field 'slug': event 353: slug 'htv-x1-renamed' already belongs to event 352"
            " in this import",
        ),
        # The seed's slug freed by 352 and taken by two new events.
        (
            [*with_slugs("htv-x1-renamed"), *with_slugs(SEED_EVENT["slug"], SEED_EVENT["slug"], first=353)],
            f"record 3 (id 354): field 'slug': event 354: slug '{SEED_EVENT['slug']}' already belongs to"
            " event 353 in this import",
        ),
        # 352 keeps its slug, which a new event takes too.
        (
            [*with_slugs(SEED_EVENT["slug"]), *with_slugs(SEED_EVENT["slug"], first=353)],
            f"record 2 (id 353): field 'slug': event 353: slug '{SEED_EVENT['slug']}' already belongs to"
            " event 352 in this import",
        ),
    ],
    ids=["renamed-onto-new", "freed-taken-twice", "kept-and-taken"],
)
def test_an_import_ending_with_one_slug_twice_is_a_clear_error(seeded, records, message):
    before = snapshot_tables()
    with pytest.raises(IngestError) as raised:
        ingest_records(records, source="test")
    assert str(raised.value) == f"test: {message}"
    assert snapshot_tables() == before


def test_a_slug_taken_from_a_stored_event_the_import_leaves_is_a_clear_error(db):
    # 352 gives "a" up to a new event, but takes "b", which 353 keeps: refused, naming both.
    ingest_records(with_slugs("a", "b"), source="test")
    before = snapshot_tables()
    with pytest.raises(IngestError) as raised:
        ingest_records([*with_slugs("b"), *with_slugs("a", first=354)], source="test")
    assert str(raised.value) == (
        "test: record 1 (id 352): field 'slug': event 352: slug 'b' already belongs to event 353"
    )
    assert snapshot_tables() == before


def test_slugs_move_in_the_same_queries_for_2_and_6_events(db):
    ingest_records(with_slugs(*"abcdef"), source="test")
    counts = []
    for slugs in ("bacdef", "abdcfe"):  # one swap, then the first undone and two more: 2 events, then 6
        with CaptureQueriesContext(connection) as captured:
            ingest_records(with_slugs(*slugs), source="test")
        counts.append(len(captured))
    assert stored_slugs() == dict(enumerate("abdcfe", 352))
    assert counts[0] == counts[1]


def test_a_temporary_slug_another_event_holds_is_not_used(db):
    ingest_records(with_slugs("a", "b"), source="test")
    # A slug ingestion refuses, written some other way, where the writer parks a slug first.
    Event.objects.filter(pk=353).update(slug="~0~352")
    ingest_records([*with_slugs("c"), *with_slugs("a", first=354)], source="test")
    assert stored_slugs() == {352: "c", 353: "~0~352", 354: "a"}


def test_the_writer_reads_rows_by_id_without_joins(db):
    """Children with their own ids (updates) are looked up among every event's, by id: an update's default
    ordering (by its event's date) would join the events and sort, for nothing."""
    events = fixture_events()
    ingest_records([events[352]], source="test")
    moved = copy.deepcopy(events[353])
    moved["updates"] = events[352]["updates"][:1]
    with CaptureQueriesContext(connection) as captured:
        ingest_records([moved], source="test")
    reads = [query["sql"] for query in captured if query["sql"].startswith("SELECT")]
    assert any('FROM "events_update"' in sql for sql in reads)
    assert [sql for sql in reads if 'FROM "events_update"' in sql and " JOIN " in sql] == []
    assert list(Update.objects.filter(event_id=352).values_list("pk", flat=True)) == [
        update["id"] for update in events[352]["updates"][1:]
    ]
    assert list(Update.objects.filter(event_id=353).values_list("pk", flat=True)) == [
        events[352]["updates"][0]["id"]
    ]


def test_an_update_moved_to_another_event_leaves_the_first_ones_documents(db, client):
    """An update (its own LL2 id) that another event now lists leaves the event that listed it: that event
    changed too, is counted updated, and its documents no longer show the update."""
    events = fixture_events()
    ingest_records([events[352], events[353]], source="test")
    moved_id = events[352]["updates"][0]["id"]
    moved = copy.deepcopy(events[353])
    moved["updates"] = events[352]["updates"][:1]
    tally = ingest_records([moved], source="test")
    assert tally.counts()["event"] == {"created": 0, "updated": 2, "unchanged": 0}
    assert_documents_current()
    update_ids = [update["id"] for update in events[352]["updates"][1:]]
    shown = client.get("/2.3.0/events/352/", HTTP_ACCEPT="application/json").json()
    assert [update["id"] for update in shown["updates"]] == update_ids
    shown = client.get("/2.3.0/events/353/", HTTP_ACCEPT="application/json").json()
    assert [update["id"] for update in shown["updates"]] == [moved_id]


def test_a_file_that_starts_with_a_byte_order_mark_imports(db, tmp_path, import_ll2):
    """Windows tools write UTF-8 with a byte order mark: it is no part of the JSON."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SEED_EVENT, ensure_ascii=False).encode())
    output = import_ll2(path)
    assert "  event                       1        0          0" in output
    assert list(Event.objects.values_list("id", "name")) == [(352, SEED_EVENT["name"])]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statements sent together")
def test_an_unchanged_import_reads_in_the_same_round_trips_for_1_and_all_events(db):
    events = list(fixture_events().values())
    ingest_records(events, source="test")
    counts = []
    for records in (events[:1], events):
        with CaptureQueriesContext(connection) as captured:
            tally = ingest_records(records, source="test")
        assert not tally.changed
        counts.append([query["sql"].split()[0] for query in captured])
    # The writers' turn; every kind's stored rows; the events holding the slugs; every list's stored rows (in
    # a savepoint: the test's transaction is open).
    assert counts[0] == counts[1] == ["SAVEPOINT", "WITH", "SELECT", "SELECT", "SELECT", "RELEASE"]


def test_lists_whose_rows_share_a_table_are_refused(monkeypatch):
    monkeypatch.setattr(ingest.writer, "KIND_LIST", (*ingest.writer.KIND_LIST, KINDS[Event]))
    ingest.writer._check_lists_apart.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="ingest writes lists whose rows share a table: "):
            ingest.writer._check_lists_apart()
    finally:
        ingest.writer._check_lists_apart.cache_clear()
