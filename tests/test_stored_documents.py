"""Events are served from documents stored when they are written: byte for byte what the serializers render
per request, for every route, mode, format, host and scheme, and current after every kind of write."""

import copy
import importlib
import json
import threading
import time
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models import Value
from django.db.models.functions import Replace
from django.test.utils import CaptureQueriesContext, override_script_prefix
from django.urls import reverse

import events.documents
import ingest.records
from agencies.models import Agency
from config.models import Image, ImageVariant
from events.documents import fingerprint, fingerprinted_files, render_documents, render_outdated_documents
from events.models import Event, EventAgency, EventDocument, Update, VidURL
from events.serializers import EVENT_MODES
from ingest.records import ingest_records
from spacedevs.api.queryplan import plan_of
from spacedevs.api.stored import StoredDocumentsMixin, render_stored
from spacedevs.models import DataState

from .conftest import CONCURRENT_WRITERS, SCHEMA_IN_TRANSACTION, fixture_events
from .wsgi_client import WSGIClient

DIGESTS_BEFORE, DIGESTS_ADDED = "0009_documents_moved_into_their_row", "0010_document_digests"
ROUTES = ["/2.3.0/events/", "/2.3.0/events/upcoming/", "/2.3.0/events/previous/", "/events/"]
JSON = {"HTTP_ACCEPT": "application/json"}


def stored_and_live(client, monkeypatch, url, **request):
    stored = client.get(url, **request)
    caches[settings.RESPONSE_CACHE_ALIAS].clear()  # else the live request is the stored response, cached
    with monkeypatch.context() as patch:
        patch.setattr(StoredDocumentsMixin, "_stored", lambda view: False)
        live = client.get(url, **request)
    return stored, live


def assert_served_as_rendered(client, monkeypatch, url, **request):
    stored, live = stored_and_live(client, monkeypatch, url, **request)
    assert (stored.status_code, stored["Content-Type"]) == (live.status_code, live["Content-Type"]), url
    assert stored.content == live.content, url
    return stored


@pytest.mark.usefixtures("all_fixtures")
@pytest.mark.parametrize("mode", EVENT_MODES)
@pytest.mark.parametrize("route", ROUTES)
def test_pages_are_the_live_render_byte_for_byte(client, monkeypatch, route, mode):
    for query in (
        f"mode={mode}&limit=100",
        f"mode={mode}&limit=7&offset=3&format=json",
        f"mode={mode}&agency__ids=44&ordering=-last_updated&search=a",
    ):
        page = assert_served_as_rendered(client, monkeypatch, f"{route}?{query}", **JSON)
        assert page.json()["results"], query
    # Another host and scheme, as a proxy would present them.
    https = assert_served_as_rendered(
        client, monkeypatch, f"{route}?mode={mode}&format=json", secure=True, HTTP_HOST="localhost:8443"
    )
    assert https.json()["results"][0]["url"].startswith("https://localhost:8443/2.3.0/events/")
    assert https.json()["results"][0]["url"].endswith("/?format=json")


@pytest.mark.usefixtures("seeded")
def test_a_page_of_no_events_is_an_empty_list(client):
    # As DRF renders it, compact: a stored page joins its documents itself.
    response = client.get("/2.3.0/events/?type=99999", **JSON)
    assert response.content == b'{"count":0,"next":null,"previous":null,"results":[]}'


@pytest.mark.usefixtures("all_fixtures")
def test_an_event_is_its_live_render_in_every_mode(client, monkeypatch):
    # The pages above hold every event's documents; these take the `{id}/` route's way to them.
    for event_id in sorted(fixture_events())[::15]:
        for mode in EVENT_MODES:
            for query in (f"mode={mode}", f"mode={mode}&format=json"):
                assert_served_as_rendered(client, monkeypatch, f"/2.3.0/events/{event_id}/?{query}", **JSON)


def assert_browsable_as_rendered(client, monkeypatch, url):
    stored, live = stored_and_live(client, monkeypatch, url)
    assert stored.status_code == live.status_code == 200
    assert stored.content == live.content


@pytest.mark.usefixtures("seeded")
def test_other_renderings_read_the_same_documents(client, monkeypatch):
    # Indented JSON and the browsable API parse the stored documents and render them as DRF does.
    assert_served_as_rendered(
        client, monkeypatch, "/2.3.0/events/352/", HTTP_ACCEPT="application/json; indent=2"
    )
    assert_browsable_as_rendered(client, monkeypatch, "/2.3.0/events/?mode=detailed&format=api")
    # A format suffix keeps DRF's suffixed links: rendered live.
    suffixed = client.get("/2.3.0/events/352.json")
    assert suffixed.json()["url"] == "http://testserver/2.3.0/events/352.json"


class ScriptNameClient:
    """GETs under a WSGI `SCRIPT_NAME` (a deployment under /mirror), through Django's WSGI handler, which
    sets the script prefix from it (Django's test client does not); each by a new WSGIClient, which replays
    no response another one was given."""

    def __init__(self, script_name):
        self.script_name = script_name

    def get(self, path, **extra):
        return WSGIClient().get(path, SCRIPT_NAME=self.script_name, **extra)


@pytest.fixture
def script_prefix_kept():
    """The WSGI handler leaves the script prefix of its last request set: the test's is restored after."""
    with override_script_prefix("/"):
        yield


# Script names, and the origin of the links under each: reverse() quotes the prefix, and escapes a leading
# "//" that would read as a host.
ORIGINS = {
    "/mirror": "http://testserver/mirror",
    "": "http://testserver",
    "//mir ror%": "http://testserver/%2Fmir%20ror%25",
}


@pytest.mark.usefixtures("all_fixtures", "script_prefix_kept")
def test_links_follow_the_script_prefix_of_the_request(monkeypatch):
    """A document's links hold no script prefix, whatever the one it was written under (none for the
    import, /mirror for a save or an import run while a request under /mirror set it): each response puts
    its own request's in front of them, as the live render does."""
    saved = Event.objects.exclude(pk=352).earliest("pk")
    with override_script_prefix("/mirror/"):
        saved.name = "Saved under /mirror"
        saved.save()
        ingest_records([fixture_events()[352] | {"name": "Imported under /mirror"}], source="edit")
    imported = Event.objects.exclude(pk__in=[352, saved.pk]).earliest("pk").pk
    for script_name, origin in ORIGINS.items():
        client = ScriptNameClient(script_name)
        for mode in EVENT_MODES:
            for query in (f"mode={mode}&limit=100", f"mode={mode}&format=json", f"mode={mode}&format=ics"):
                assert_served_as_rendered(client, monkeypatch, f"/2.3.0/events/?{query}", **JSON)
            for event_id in (saved.pk, 352, imported):
                for query in (f"mode={mode}", f"mode={mode}&format=json"):
                    assert_served_as_rendered(
                        client, monkeypatch, f"/2.3.0/events/{event_id}/?{query}", **JSON
                    )
        assert_browsable_as_rendered(client, monkeypatch, "/2.3.0/events/?mode=detailed&format=api")
        page = client.get("/2.3.0/events/?limit=100&format=json").json()["results"]
        urls = {event["id"]: event["url"] for event in page}
        assert {saved.pk, 352, imported} <= urls.keys()
        assert urls == {pk: f"{origin}/2.3.0/events/{pk}/?format=json" for pk in urls}


@pytest.mark.usefixtures("all_fixtures")
def test_documents_another_code_rendered_are_not_served(client, monkeypatch):
    """A writer of the code before, still running through a deploy once this code's migrate has rendered
    every event again, stores documents of its own: their events are rendered live, as this code renders
    them, until migrate (or their next write) renders them again."""
    before = {mode: Replace(mode, Value('"name":"'), Value('"name":"Before: ')) for mode in EVENT_MODES}
    EventDocument.objects.filter(pk=352).update(fingerprint="the code before", **before)
    for mode in EVENT_MODES:
        for url in (f"/2.3.0/events/352/?mode={mode}", f"/2.3.0/events/?mode={mode}&limit=100"):
            served = assert_served_as_rendered(client, monkeypatch, url, **JSON)
            assert b"Before: " not in served.content, url
    render_outdated_documents()  # as migrate does
    assert not EventDocument.objects.exclude(fingerprint=fingerprint()).exists()


@pytest.mark.usefixtures("seeded")
def test_an_event_without_documents_is_rendered_live(client, monkeypatch):
    before = client.get("/2.3.0/events/?mode=detailed", **JSON).content
    EventDocument.objects.all().delete()
    assert_served_as_rendered(client, monkeypatch, "/2.3.0/events/?mode=detailed", **JSON)
    assert client.get("/2.3.0/events/?mode=detailed", **JSON).content == before
    assert_served_as_rendered(client, monkeypatch, "/2.3.0/events/352/", **JSON)


@pytest.mark.usefixtures("all_fixtures")
def test_a_page_with_one_event_without_documents_is_rendered_live(client, monkeypatch):
    """One event of the page not rendered yet: the whole page is the live render, not the others' documents
    with a gap (or an error) where its own would be."""
    url = "/2.3.0/events/?mode=detailed&limit=100"
    before = client.get(url, **JSON).content
    EventDocument.objects.filter(pk=352).delete()
    assert EventDocument.objects.exists()
    stored = assert_served_as_rendered(client, monkeypatch, f"{url}&again", **JSON)
    assert stored.status_code == 200
    assert 352 in [event["id"] for event in stored.json()["results"]]
    # Uncached, it shows what the stored documents showed before.
    assert client.get(f"{url}&fresh", **JSON).json()["results"] == json.loads(before)["results"]


def assert_documents_current():
    """Every event has its documents, each exactly what its serializer renders now."""
    for mode, serializer_class in EVENT_MODES.items():
        expected = render_stored(serializer_class, plan_of(serializer_class).apply(Event.objects.all()))
        assert dict(EventDocument.objects.values_list("pk", mode)) == expected, mode
    assert set(EventDocument.objects.values_list("fingerprint", flat=True)) <= {fingerprint()}


def detailed(event_id):
    return EventDocument.objects.get(pk=event_id).detailed


def has_nasa(event):
    return any(agency["id"] == 44 for agency in event["agencies"])


def test_an_import_renders_the_events_that_show_what_it_changed(all_fixtures):
    assert_documents_current()
    renamed = copy.deepcopy(next(event for event in fixture_events().values() if has_nasa(event)))
    others = set(Event.objects.filter(agencies=44).exclude(pk=renamed["id"]).values_list("pk", flat=True))
    assert others
    next(agency for agency in renamed["agencies"] if agency["id"] == 44)["name"] = "Renamed Agency"
    ingest_records([renamed], source="edit")  # one event arrives; the agency it shares changes for all
    assert all('"Renamed Agency"' in detailed(pk) for pk in others)
    assert_documents_current()


def test_an_import_renders_the_events_a_child_moved_away_from(all_fixtures):
    events = fixture_events()
    update = events[138]["updates"][0]
    variant = events[266]["image"]["variants"][0]
    taking = copy.deepcopy(events[382])  # shows image 3121, which has no variants
    taking["updates"] = [update]
    taking["image"]["variants"] = [variant]
    ingest_records([taking], source="move")
    assert Update.objects.get(pk=update["id"]).event_id == 382
    assert ImageVariant.objects.get(pk=variant["id"]).image_id == 3121
    # Event 138 lost an update; events 266, 290 and 293 show image 3109, which lost a variant.
    assert_documents_current()


@pytest.mark.usefixtures("all_fixtures")
def test_a_row_saved_under_another_owner_renders_the_events_it_left():
    # A shell's saves: a video URL to another event, an update to another, an image variant to another
    # image, an agency link to another event.
    moves = [
        (VidURL.objects.filter(event_id=352).first(), "event_id", 128),
        (Update.objects.filter(event_id=138).first(), "event_id", 382),
        (ImageVariant.objects.filter(image_id=3109).first(), "image_id", 3121),
        (EventAgency.objects.filter(event_id=352).first(), "event_id", 128),
    ]
    for row, owner, other in moves:
        setattr(row, owner, other)
        row.position = 90  # past the other owner's own
        row.save()
    assert_documents_current()


@pytest.mark.usefixtures("all_fixtures")
def test_model_writes_keep_every_document_current(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", None))
    response = client.post(reverse("admin:config_eventtype_change", args=[13]), {"id": 13, "name": "Renamed"})
    assert response.status_code == 302
    shared = Image.objects.filter(pk__in=Event.objects.values("image")).first()
    shared.delete()  # the events' image is set to null, not deleted
    assert_documents_current()

    Agency.objects.get(pk=44).delete()  # unlinked from every event, launch and program showing it

    event = Event.objects.get(pk=352)
    event.agencies.add(Agency.objects.exclude(events=event).first(), through_defaults={"position": 50})
    assert_documents_current()

    link = EventAgency.objects.first()
    VidURL.objects.filter(event_id=link.event_id).delete()
    VidURL.objects.create(
        event_id=link.event_id, position=0, url="https://example.com/v", type_id=1, language_id=1
    )
    assert_documents_current()

    response = client.post(reverse("admin:events_event_delete", args=[352]), {"post": "yes"})
    assert response.status_code == 302
    assert not EventDocument.objects.filter(pk=352).exists()
    connection.check_constraints()
    assert_documents_current()


@pytest.mark.django_db(transaction=True)
def test_a_save_outside_a_transaction_ends_on_a_version_with_its_documents(client, monkeypatch):
    """In autocommit a save commits its row, the version and the documents one after the other: a response
    computed between the version and the documents is cached under that version, which must not be the
    last one."""
    ingest_records([fixture_events()[352]], source="seed")
    url = "/2.3.0/events/352/"
    render = render_documents

    def render_after_a_request(event_ids):
        assert client.get(url, **JSON).json()["name"] != "Renamed in the shell"
        render(event_ids)

    monkeypatch.setattr("events.documents.render_documents", render_after_a_request)
    event = Event.objects.get(pk=352)
    event.name = "Renamed in the shell"
    event.save()
    monkeypatch.undo()
    assert client.get(url, **JSON).json()["name"] == "Renamed in the shell"


@pytest.mark.usefixtures("all_fixtures")
def test_links_added_or_removed_render_the_events_whose_lists_changed(monkeypatch):
    rendered = []
    render = render_documents

    def recorded(event_ids):
        rendered.append(set(event_ids))
        render(event_ids)

    monkeypatch.setattr("events.documents.render_documents", recorded)
    event, agency = Event.objects.get(pk=352), Agency.objects.get(pk=44)  # NASA, shown by 67 events
    event.agencies.add(agency, through_defaults={"position": 50})
    event.agencies.remove(agency)
    agency.events.add(event, through_defaults={"position": 50})
    assert rendered == [{352}] * 3
    assert_documents_current()


@pytest.mark.skipif(connection.vendor != "postgresql", reason=SCHEMA_IN_TRANSACTION)
def test_a_migrate_back_before_the_documents_and_forward_again_works(seeded):
    call_command("migrate", "events", "0003", verbosity=0)
    call_command("migrate", verbosity=0)
    assert_documents_current()


def test_migrate_renders_what_is_missing_or_from_other_code(seeded):
    EventDocument.objects.all().delete()
    render_documents([352])
    EventDocument.objects.update(fingerprint="older code", detailed="{}")
    before = DataState.current().tag
    call_command("migrate", verbosity=0)
    assert_documents_current()
    # What is served changed: responses cached before (in a shared Redis) are not served again.
    rendered = DataState.current().tag
    assert rendered != before
    call_command("migrate", verbosity=0)
    assert DataState.current().tag == rendered


def test_the_fingerprint_follows_what_shapes_a_document(settings):
    # A model's fields are its serializer's; a data migration writes rows no signal reports.
    files = set(fingerprinted_files())
    for app in ("events", "launches", "agencies", "config"):
        folder = Path(django_apps.get_app_config(app).path)
        assert {
            folder / "models.py",
            folder / "serializers.py",
            *(folder / "migrations").glob("0*.py"),
        } <= files
    # The shared serializer bases and fields, and the compiled render, shape every document too.
    shared = Path(django_apps.get_app_config("spacedevs").path)
    api = shared / "api"
    assert {api / "serializers.py", api / "fields.py", api / "compiled.py"} <= files
    # And the reads of rows by id it makes (IdQuery, the lookups it filters by).
    assert {shared / "idquery.py", shared / "lookups.py"} <= files
    # Not the migrations of what no document shows (the mirror's checkpoint, the API's keys).
    for app in ("ingest", "spacedevs"):
        assert not set(Path(django_apps.get_app_config(app).path).glob("migrations/0*.py")) & files
    # Dates are written in the time zone.
    before = fingerprint()
    settings.TIME_ZONE = "Europe/Paris"
    fingerprint.cache_clear()
    try:
        assert fingerprint() != before
    finally:
        fingerprint.cache_clear()


@pytest.mark.usefixtures("all_fixtures")
def test_events_rendered_in_batches_each_get_their_documents(monkeypatch):
    monkeypatch.setattr(events.documents, "RENDER_BATCH_SIZE", 3)
    event_ids = list(Event.objects.values_list("pk", flat=True))
    assert len(event_ids) > 3  # more than one batch
    EventDocument.objects.all().delete()
    render_documents(event_ids)
    assert EventDocument.objects.count() == len(event_ids)
    assert_documents_current()


@pytest.mark.usefixtures("generated")
def test_rendering_takes_the_same_queries_for_1_and_100_events():
    # 9001 has every relation filled: one event already needs every prefetch.
    others = list(Event.objects.exclude(pk=9001).values_list("pk", flat=True)[:99])
    counts = []
    for chunk in ([9001], [9001, *others]):
        with CaptureQueriesContext(connection) as captured:
            render_documents(chunk)
        counts.append(len(captured))
    assert counts[0] == counts[1] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's column compression")
@pytest.mark.usefixtures("seeded")
def test_documents_are_compressed_by_lz4_where_postgresql_has_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        wanted = "lz4" if "lz4" in cursor.fetchone()[0] else "pglz"
        # Each mode of the seed event is long enough to be compressed (TOAST's 2 KB threshold).
        cursor.execute(
            "SELECT pg_column_compression(list), pg_column_compression(normal), "
            "pg_column_compression(detailed) FROM events_eventdocument WHERE event_id = 352"
        )
        assert cursor.fetchone() == (wanted, wanted, wanted)


def documents_out_of_their_row():
    """(rows of documents past the 2 KB beyond which TOAST's default moves values out of a row, rows too big
    for a page, documents' values out of their row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE size > 2032), count(*) FILTER (WHERE size > 8160) FROM "
            "(SELECT pg_column_size(stored.*) AS size FROM events_eventdocument AS stored) AS rows"
        )
        past_the_threshold, past_a_page = cursor.fetchone()
        cursor.execute("SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'events_eventdocument'")
        cursor.execute(f"SELECT count(DISTINCT chunk_id) FROM {cursor.fetchone()[0]}")
        return past_the_threshold, past_a_page, cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's TOAST")
@pytest.mark.usefixtures("generated")
def test_documents_are_kept_in_their_row():
    past_the_threshold, past_a_page, out_of_their_row = documents_out_of_their_row()
    # Compressed, most rows are still past TOAST's threshold; only a value of a row too big for a page may be
    # out of it.
    assert past_the_threshold > 300
    assert out_of_their_row == past_a_page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's TOAST")
@pytest.mark.usefixtures("generated")
def test_migrate_moves_the_documents_written_before_into_their_row():
    storage = importlib.import_module("events.migrations.0008_documents_in_their_row")
    rewrite = importlib.import_module("events.migrations.0009_documents_moved_into_their_row")
    with connection.schema_editor() as editor:
        storage.set_storage(storage.DEFAULT)(django_apps, editor)  # as before migration 0008
        render_documents(range(1, 101))
        editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks pending would forbid ALTER TABLE
        storage.set_storage(storage.IN_THE_ROW)(django_apps, editor)
    *_, past_a_page, out_before = documents_out_of_their_row()
    assert out_before > past_a_page + 50
    stored = list(EventDocument.objects.order_by("pk").values_list())
    with connection.schema_editor() as editor:
        rewrite.move_into_their_row(django_apps, editor)
    assert documents_out_of_their_row()[2] == past_a_page
    assert list(EventDocument.objects.order_by("pk").values_list()) == stored


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's TOAST")
@pytest.mark.usefixtures("generated")
def test_the_digests_are_added_to_the_documents_rows_and_kept_in_them():
    digests = importlib.import_module("events.migrations.0010_document_digests")
    loader = MigrationLoader(connection)
    without, with_them = (loader.project_state(("events", name)) for name in (DIGESTS_BEFORE, DIGESTS_ADDED))
    stored = list(EventDocument.objects.order_by("pk").values_list())
    [operation] = digests.Migration.operations
    with connection.schema_editor() as editor:
        editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks pending would forbid ALTER TABLE
        operation.database_backwards("events", editor, with_them, without)
        operation.database_forwards("events", editor, without, with_them)
    *_, past_a_page, out_of_their_row = documents_out_of_their_row()
    assert out_of_their_row == past_a_page
    assert list(EventDocument.objects.order_by("pk").values_list()) == stored


@pytest.mark.skipif(connection.vendor != "postgresql", reason=CONCURRENT_WRITERS)
@pytest.mark.django_db(transaction=True)
def test_two_writers_showing_in_one_event_leave_its_documents_current(monkeypatch):
    """An import renames NASA while an admin save renames an event that shows NASA: each renders that
    event, and the document kept is the one rendered from both changes, whichever commits first."""
    importing, shown = copy.deepcopy(fixture_events()[353]), fixture_events()[355]
    ingest_records([importing, shown], source="seed")
    for agency in importing["agencies"]:
        if agency["id"] == 44:
            agency["name"] = "Renamed by the import"
    rendered, saving = threading.Event(), threading.Event()
    store = events.documents._replace_stored

    def stored_once_the_save_is_under_way(event_ids, renderings):
        if threading.current_thread().name == "import":
            rendered.set()
            saving.wait(10)
            time.sleep(0.3)  # the save writes its row, then renders, meanwhile
        store(event_ids, renderings)

    def save():
        rendered.wait(10)
        saving.set()
        with transaction.atomic():
            event = Event.objects.get(pk=355)
            event.name = "Renamed in the admin"
            event.save()

    monkeypatch.setattr(events.documents, "_replace_stored", stored_once_the_save_is_under_way)
    assert written_at_once(importing, save) == []
    monkeypatch.undo()
    document = json.loads(detailed(355))
    assert document["name"] == "Renamed in the admin"
    assert [agency["name"] for agency in document["agencies"] if agency["id"] == 44] == [
        "Renamed by the import"
    ]
    assert_documents_current()


@pytest.mark.skipif(connection.vendor != "postgresql", reason=CONCURRENT_WRITERS)
@pytest.mark.django_db(transaction=True)
def test_an_import_and_an_admin_save_at_once_take_turns(monkeypatch):
    """An import renames an event that shows NASA while an admin save renames NASA: the save waits for the
    import's turn to end, then renders both events from both changes (each holding rows the other wants, in
    any other order, they would deadlock)."""
    seed = [copy.deepcopy(fixture_events()[pk]) for pk in (353, 355)]
    ingest_records(seed, source="seed")
    importing = seed[1] | {"name": "Renamed by the import"}
    written = threading.Event()
    refresh = ingest.records.refresh_documents

    def refresh_once_the_save_is_under_way(changes):
        if threading.current_thread().name == "import":
            written.set()
            time.sleep(0.5)
        refresh(changes)

    def save():
        written.wait(10)
        with transaction.atomic():
            agency = Agency.objects.get(pk=44)
            agency.name = "Renamed in the admin"
            agency.save()

    monkeypatch.setattr(ingest.records, "refresh_documents", refresh_once_the_save_is_under_way)
    assert written_at_once(importing, save) == []
    monkeypatch.undo()
    assert json.loads(detailed(355))["name"] == "Renamed by the import"
    for pk in (353, 355):
        assert "Renamed in the admin" in [agency["name"] for agency in json.loads(detailed(pk))["agencies"]]
    assert_documents_current()


def written_at_once(record, save, after=None):
    """Imports `record` (once `after` is set, if given) and runs `save` on two threads (named "import" and
    "admin"), each with its own database connections, closed when it ends; returns what they raised."""
    failures = []

    def import_record():
        if after is not None:
            after.wait(10)
        ingest_records([record], source="import")

    def run(write):
        try:
            write()
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    writers = [
        threading.Thread(target=run, args=(write,), name=name)
        for name, write in (("import", import_record), ("admin", save))
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    return failures
