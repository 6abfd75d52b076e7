"""Responses are cached, validated and compressed, and never staler than the database: each way data is
written shows in the very next response of every route that shows it, cached or not."""

import copy
import datetime
import gzip
import io
import itertools
import json
import platform
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from importlib import metadata

import brotli
import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from events.models import RECENT_GRACE, Event
from events.views import EventViewSet
from ingest.records import ingest_records
from spacedevs import response_cache
from spacedevs.api.root import APIRootView
from spacedevs.api.stored_pages import StoredPage
from spacedevs.changes import deployed_after_migrate
from spacedevs.encoding import MIN_COMPRESSED_SIZE, encode, negotiated_coding
from spacedevs.faults import DatabaseTimedOut
from spacedevs.models import DataState
from spacedevs.response_cache import ResponseCacheMiddleware, is_personal
from spacedevs.sources import project_files, response_code

from .conftest import SCHEMA_IN_TRANSACTION, SEED, fixture_events
from .fake_upstream import FakeLL2
from .wsgi_client import WSGIClient

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate"}
BROTLI = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
JSON = {"HTTP_ACCEPT": "application/json"}
# The seed event's routes: it is in the past, so on /previous/.
SEED_ROUTES = [
    "/2.3.0/events/?mode=detailed",
    "/2.3.0/events/352/",
    "/2.3.0/events/previous/?mode=list",
    "/2.3.0/events/previous/352/?mode=normal",
    "/events/?search=HTV-X1",
]


MICROSECOND = datetime.timedelta(microseconds=1)
FUTURE = "Fri, 01 Jan 2100 00:00:00 GMT"
PAST = "Mon, 01 Jan 1990 00:00:00 GMT"
EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.fixture(params=["django", "wsgi"])
def client(request, client):
    """Each test twice: through Django's test client, and through the WSGI application as gunicorn serves it
    (the replay of cached responses in front of Django)."""
    return client if request.param == "django" else WSGIClient()


DECOMPRESS = {"gzip": gzip.decompress, "br": brotli.decompress}


def body(response):
    coding = response.get("Content-Encoding")
    return DECOMPRESS[coding](response.content) if coding else response.content


def warm(client, urls, **headers):
    """Each URL twice, the second a cache hit; returns the bodies."""
    bodies = {}
    for url in urls:
        first, second = client.get(url, **headers), client.get(url, **headers)
        assert first.status_code == second.status_code == 200, url
        assert body(first) == body(second), url
        assert first["ETag"] == second["ETag"], url
        bodies[url] = (first["ETag"], body(first))
    return bodies


def assert_all_changed(client, before, **headers):
    for url, (etag, content) in before.items():
        response = client.get(url, **headers)
        assert response["ETag"] != etag, url
        assert body(response) != content, url
        assert client.get(url, HTTP_IF_NONE_MATCH=etag, **headers).status_code in (200, 404), url


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("headers", [JSON, {**JSON, **GZIP}, {**JSON, **BROTLI}])
def test_an_import_shows_at_once(client, headers):
    before = warm(client, SEED_ROUTES, **headers)
    renamed = copy.deepcopy(fixture_events()[352]) | {"name": "HTV-X1 Release & Reentry (renamed)"}
    ingest_records([renamed], source="edit")
    assert_all_changed(client, before, **headers)
    assert b"(renamed)" in body(client.get("/2.3.0/events/352/", **headers))


@pytest.mark.django_db
def test_a_sync_page_shows_at_once(client):
    call_command("import_ll2", str(SEED), stdout=io.StringIO())
    before = warm(client, SEED_ROUTES, **JSON)
    moved = copy.deepcopy(fixture_events()[352]) | {
        "name": "Moved upstream",
        "last_updated": "2031-01-01T00:00:00Z",
    }
    with FakeLL2([moved], page_size=10) as fake:
        call_command(
            "sync_ll2", "--base-url", fake.base_url, "--rate", "1000/1", "--no-progress", stdout=io.StringIO()
        )
    assert_all_changed(client, before, **JSON)
    assert client.get("/2.3.0/events/352/", **JSON).json()["name"] == "Moved upstream"


@pytest.mark.usefixtures("seeded")
def test_admin_saves_and_deletes_show_at_once(client, admin_client):
    routes = [*SEED_ROUTES, "/2.3.0/config/event_types/13/"]
    before = warm(client, routes, **JSON)
    response = admin_client.post(
        reverse("admin:config_eventtype_change", args=[13]), {"id": 13, "name": "Moved"}
    )
    assert response.status_code == 302
    assert_all_changed(client, before, **JSON)
    assert client.get("/2.3.0/events/352/", **JSON).json()["type"] == {"id": 13, "name": "Moved"}

    before = warm(client, SEED_ROUTES, **JSON)
    response = admin_client.post(reverse("admin:events_event_delete", args=[352]), {"post": "yes"})
    assert response.status_code == 302
    assert client.get("/2.3.0/events/352/", **JSON).status_code == 404
    assert client.get("/2.3.0/events/?mode=detailed", **JSON).json()["count"] == 0
    assert (
        client.get(
            "/2.3.0/events/?mode=detailed", **JSON, HTTP_IF_NONE_MATCH=before[SEED_ROUTES[0]][0]
        ).status_code
        == 200
    )


def copies_of_the_seed(*ids):
    """LL2 records of events like the seed's, under other ids."""
    return [fixture_events()[352] | {"id": pk, "slug": f"seed-copy-{pk}"} for pk in ids]


def write_before(monkeypatch, step, records):
    """Imports the next of `records` just before each call of StoredPage's `step` (`count`, or
    `__getitem__`: the page's read, after its count): a write committed by another process at the worst
    moment."""
    pending = iter(records)
    original = getattr(StoredPage, step)

    def write_then_step(self, *args):
        for record in itertools.islice(pending, 1):
            ingest_records([record], source="meanwhile")
        return original(self, *args)

    monkeypatch.setattr(StoredPage, step, write_then_step)


def write_before_each_page_read(monkeypatch, records):
    write_before(monkeypatch, "__getitem__", records)


@pytest.mark.usefixtures("seeded")
def test_a_response_is_computed_from_one_version_of_the_data(client, monkeypatch):
    write_before_each_page_read(monkeypatch, copies_of_the_seed(1001))
    response = client.get("/2.3.0/events/?mode=list", **JSON)
    # Counted before the write and read after it, the page would say 1 and list 2: it is computed again.
    assert [response.json()["count"], ids_of(response)] == [2, [352, 1001]]
    again = client.get("/2.3.0/events/?mode=list", **JSON)
    assert (again.content, again["ETag"]) == (response.content, response["ETag"])  # cached as the new data's
    revalidated = client.get("/2.3.0/events/?mode=list", **JSON, HTTP_IF_NONE_MATCH=response["ETag"])
    assert revalidated.status_code == 304


@pytest.mark.usefixtures("seeded")
def test_a_sync_during_the_compute_of_a_page_that_shows_it_is_shown(client, monkeypatch):
    """A sync that changes no data keeps the version, but not the root's help text, which says when the
    mirror last synced: a root computed across one is computed again."""
    synced_at = datetime.datetime(2026, 11, 30, 12, 0, 5, tzinfo=datetime.UTC)
    answered = APIRootView.get

    def sync_then_get(self, *args, **kwargs):
        monkeypatch.setattr(APIRootView, "get", answered)  # the first compute alone
        DataState.synced("https://upstream.example/", synced_at)
        return answered(self, *args, **kwargs)

    monkeypatch.setattr(APIRootView, "get", sync_then_get)
    root = client.get("/2.3.0/?format=api")
    assert (root.status_code, root.get("X-Mirror-Synced-At")) == (200, "2026-11-30T12:00:05Z")
    assert "Mirrored from" in root.content.decode()
    again = client.get("/2.3.0/?format=api")
    assert (again.content, again["ETag"]) == (root.content, root["ETag"])  # cached as the synced state's


@pytest.mark.usefixtures("seeded")
def test_a_response_whose_data_keeps_changing_is_neither_cached_nor_validated(client, monkeypatch):
    attempts = ResponseCacheMiddleware.COMPUTE_ATTEMPTS
    write_before_each_page_read(monkeypatch, copies_of_the_seed(*range(1001, 1001 + attempts)))
    response = client.get("/2.3.0/events/?mode=list", **JSON)
    assert response.status_code == 200
    assert (response.get("ETag"), response.get("Last-Modified"), response.get("Cache-Control")) == (None,) * 3
    assert len(ids_of(response)) == 1 + attempts  # the page read after the last write
    settled = client.get("/2.3.0/events/?mode=list", **JSON)
    assert [settled.json()["count"], len(ids_of(settled))] == [1 + attempts] * 2
    assert settled["ETag"]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("encoding", [GZIP, {}])
def test_a_response_served_unshared_says_it_varies_with_the_encoding_accepted(client, monkeypatch, encoding):
    attempts = ResponseCacheMiddleware.COMPUTE_ATTEMPTS
    write_before_each_page_read(monkeypatch, copies_of_the_seed(*range(1001, 1001 + attempts)))
    response = client.get("/2.3.0/events/?mode=list", **JSON, **encoding)
    assert (response.get("ETag"), response.get("Content-Encoding")) == (None, "gzip" if encoding else None)
    assert response["Vary"] == "Accept, Accept-Encoding, origin"
    assert len(json.loads(body(response))["results"]) == 1 + attempts


@pytest.mark.usefixtures("seeded")
def test_a_response_computed_again_reads_now_again(client, monkeypatch):
    first_seen = Event.objects.get(pk=352).date + datetime.timedelta(days=10)
    soon, recent = copies_of_the_seed(1001, 1002)
    # One upcoming event, 30 days ahead: /upcoming/'s window, first seen now, lasts until then.
    ingest_records([soon | {"date": iso_z(first_seen + datetime.timedelta(days=30))}], source="test")
    monkeypatch.setattr(timezone, "now", lambda: first_seen)
    assert ids_of(client.get("/2.3.0/events/upcoming/", **JSON)) == [1001]
    # An hour later, in the same window, an event is written that was upcoming at the window's first moment
    # (it was less than 24 hours past) and no longer is: computed again, the page reads "now" again.
    monkeypatch.setattr(timezone, "now", lambda: first_seen + datetime.timedelta(hours=1))
    date = first_seen - datetime.timedelta(hours=23, minutes=30)
    write_before_each_page_read(monkeypatch, [recent | {"date": iso_z(date)}])
    response = client.get("/2.3.0/events/upcoming/?mode=list", **JSON)
    assert [response.json()["count"], ids_of(response)] == [1, [1001]]


def iso_z(moment):
    return moment.isoformat().replace("+00:00", "Z")


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("route", ["/2.3.0/events/", "/2.3.0/events/previous/"])
def test_what_a_response_derives_is_filed_under_the_version_it_read(client, monkeypatch, route):
    before = DataState.current()
    # A write lands after the request read the data state (and looked up its window's end, on /previous/),
    # before it counted.
    write_before(monkeypatch, "count", copies_of_the_seed(1001))
    assert client.get(f"{route}?mode=list", **JSON).json()["count"] == 2
    # A replica still at the version read first (the database put back as it was): what it counts and
    # looks up is its own, not what the other version gave.
    Event.objects.filter(pk=1001).delete()
    DataState.objects.filter(pk=before.pk).update(version=before.version, changed_at=before.changed_at)
    assert DataState.current().tag == before.tag
    page = client.get(f"{route}?mode=normal", **JSON)
    assert [page.json()["count"], ids_of(page)] == [1, [352]]


@pytest.mark.usefixtures("seeded")
def test_a_replica_found_behind_once_the_page_is_computed_hands_the_request_to_the_primary(
    client, monkeypatch
):
    # A replica held the request's data; read again after the page, its connection (dropped, and come back
    # on a server further behind: a reader endpoint's) gives the state before the last write. That state is
    # not taken for the data's: the primary, which is current, says the page stands.
    behind = DataState.current()
    ingest_records(copies_of_the_seed(1001), source="test")
    current = DataState.current
    computed, answered_by = [], []

    def reread_on_the_replica_then_the_primary(cls):
        if computed and not answered_by:
            answered_by.append("replica")
            return behind
        return current()

    listed = EventViewSet.list

    def listed_then_reread(self, request, *args, **kwargs):
        computed.append(1)
        return listed(self, request, *args, **kwargs)

    monkeypatch.setattr(response_cache, "reads_a_replica", lambda: True)
    monkeypatch.setattr(DataState, "current", classmethod(reread_on_the_replica_then_the_primary))
    monkeypatch.setattr(EventViewSet, "list", listed_then_reread)
    response = client.get("/2.3.0/events/?mode=list&limit=5", **JSON)
    monkeypatch.undo()
    assert (len(computed), ids_of(response)) == (1, [352, 1001])
    again = client.get("/2.3.0/events/?mode=list&limit=5", **JSON)
    assert (response["ETag"], response.content) == (again["ETag"], again.content)


@pytest.mark.usefixtures("seeded")
def test_a_response_whose_state_cannot_be_read_again_is_served_unshared(client, monkeypatch):
    reads = []
    read = DataState.read_on.__func__

    def second_read_fails(cls, alias):
        reads.append(1)
        if len(reads) == 2:  # the read after the response was computed
            raise DatabaseTimedOut("The database did not answer within 5 s.")
        return read(cls, alias)

    monkeypatch.setattr(DataState, "read_on", classmethod(second_read_fails))
    response = client.get("/2.3.0/events/?mode=list", **JSON)
    assert (response.status_code, ids_of(response), response.get("ETag")) == (200, [352], None)
    assert client.get("/2.3.0/events/?mode=list", **JSON)["ETag"]  # computed again, and shared


@pytest.mark.usefixtures("seeded")
def test_a_request_body_is_there_for_every_attempt(monkeypatch):
    write_before_each_page_read(monkeypatch, copies_of_the_seed(1001))
    listed = EventViewSet.list
    bodies = []

    def reading_the_body(self, request, *args, **kwargs):
        bodies.append(request.body)
        return listed(self, request, *args, **kwargs)

    monkeypatch.setattr(EventViewSet, "list", reading_the_body)
    response = Client().generic("GET", "/2.3.0/events/?mode=list", b"ignored", **JSON)
    assert (response.status_code, ids_of(response), bodies) == (200, [352, 1001], [b"ignored"] * 2)


@pytest.mark.usefixtures("seeded")
def test_a_body_too_big_to_read_is_left_unread(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    response = Client().generic("GET", "/2.3.0/events/?mode=list", b"x" * 11, **JSON)
    assert (response.status_code, ids_of(response)) == (200, [352])


@pytest.mark.usefixtures("seeded")
def test_head_of_a_response_served_unshared_has_no_body(monkeypatch):
    attempts = ResponseCacheMiddleware.COMPUTE_ATTEMPTS
    write_before_each_page_read(monkeypatch, copies_of_the_seed(*range(1001, 1001 + attempts)))
    head = WSGIClient().head("/2.3.0/events/?mode=list", **JSON)
    assert (head.status_code, head.content, "ETag" in head) == (200, b"", False)
    assert int(head["Content-Length"]) > 0


def ids_of(response):
    return [event["id"] for event in response.json()["results"]]


@pytest.mark.usefixtures("seeded")
def test_conditional_get(client):
    first = client.get("/2.3.0/events/", **JSON)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    not_modified = client.get("/2.3.0/events/", HTTP_IF_NONE_MATCH=etag, **JSON)
    assert (not_modified.status_code, not_modified.content, not_modified["ETag"]) == (304, b"", etag)
    assert "Content-Length" not in not_modified  # only the 200's may be (RFC 9110 §8.6)
    # The 200's Vary too (RFC 9110 §15.4.5), though no page was read to give it.
    assert not_modified["Vary"] == first["Vary"] == "Accept, Accept-Encoding, origin"
    assert client.get("/2.3.0/events/", HTTP_IF_NONE_MATCH=f'"other", {etag}', **JSON).status_code == 304
    assert client.get("/2.3.0/events/", HTTP_IF_NONE_MATCH='"other"', **JSON).status_code == 200
    assert client.get("/2.3.0/events/", HTTP_IF_MODIFIED_SINCE=modified, **JSON).status_code == 304
    # A date is not tested beside If-None-Match, even one that names no tag readably (RFC 9110 §13.1.3).
    for unmatched in ('"other"', "unquoted"):
        both = client.get(
            "/2.3.0/events/", HTTP_IF_NONE_MATCH=unmatched, HTTP_IF_MODIFIED_SINCE=modified, **JSON
        )
        assert both.content == first.content, unmatched
    # Another representation of the same page (gzip, another format) has its own validator.
    assert client.get("/2.3.0/events/", **JSON, **GZIP)["ETag"] != etag
    assert client.get("/2.3.0/events/", **JSON, **BROTLI)["ETag"] != etag
    assert client.get("/2.3.0/events/?format=json")["ETag"] != etag
    # The caching headers.
    assert first["Cache-Control"] == "public, max-age=30"
    assert set(first["Vary"].replace(" ", "").lower().split(",")) >= {"accept", "accept-encoding"}


@pytest.mark.usefixtures("seeded")
def test_preconditions_are_tested_in_rfc_9110s_order_on_the_response_they_concern(client):
    current = client.get("/2.3.0/events/", **JSON)
    etag, modified = current["ETag"], current["Last-Modified"]
    # `*` and a date stand for any response: a 404 or a 400 stays one.
    for url in ("/2.3.0/events/999999/", "/2.3.0/events/?limit=abc"):
        error = client.get(url, **JSON)
        assert error.status_code in (400, 404)
        for condition in ({"HTTP_IF_NONE_MATCH": "*"}, {"HTTP_IF_MODIFIED_SINCE": FUTURE}):
            answer = client.get(url, **condition, **JSON)
            assert (answer.status_code, answer.content) == (error.status_code, error.content), condition
    assert client.get("/2.3.0/events/", HTTP_IF_NONE_MATCH="*", **JSON).status_code == 304
    # If-Match, then If-Unmodified-Since, before If-None-Match and If-Modified-Since.
    failed = [
        ("If-Match", {"HTTP_IF_MATCH": '"other"', "HTTP_IF_NONE_MATCH": etag}),
        ("If-Unmodified-Since", {"HTTP_IF_UNMODIFIED_SINCE": PAST}),
        ("If-Unmodified-Since", {"HTTP_IF_MATCH": "unreadable", "HTTP_IF_UNMODIFIED_SINCE": PAST}),
        # The epoch itself, second 0, which Django takes for no date.
        ("If-Unmodified-Since", {"HTTP_IF_UNMODIFIED_SINCE": EPOCH}),
        # Tested before If-None-Match: naming the current tag there cannot make it a 304.
        ("If-Unmodified-Since", {"HTTP_IF_UNMODIFIED_SINCE": PAST, "HTTP_IF_NONE_MATCH": etag}),
    ]
    for header, conditions in failed:
        answer = client.get("/2.3.0/events/", **conditions, **JSON)
        assert answer.status_code == 412, header
        assert answer.json() == {"detail": f"The {header} precondition does not hold."}
        # Nothing in it for a cache to keep, or to validate with; what it depends on, as a 304 says it.
        assert ("ETag" in answer, "Cache-Control" in answer) == (False, False), conditions
        assert answer["Vary"] == current["Vary"], conditions
    for conditions in (
        {"HTTP_IF_MATCH": etag},
        {"HTTP_IF_MATCH": "*"},
        {"HTTP_IF_UNMODIFIED_SINCE": modified},
        # If-Match tested, If-Unmodified-Since is not (RFC 9110 §13.2.2), even the epoch.
        {"HTTP_IF_MATCH": etag, "HTTP_IF_UNMODIFIED_SINCE": PAST},
        {"HTTP_IF_MATCH": etag, "HTTP_IF_UNMODIFIED_SINCE": EPOCH},
    ):
        assert client.get("/2.3.0/events/", **conditions, **JSON).content == current.content, conditions
    both = client.get("/2.3.0/events/", HTTP_IF_MATCH=etag, HTTP_IF_NONE_MATCH=etag, **JSON)
    assert both.status_code == 304
    # A failed precondition beside one left untested: a date beside If-None-Match, and a date where the
    # response has none (a window's, which ends).
    for url, header, conditions in [
        ("/2.3.0/events/", "If-Match", {"HTTP_IF_MATCH": '"other"', "HTTP_IF_NONE_MATCH": '"x"'}),
        (
            "/2.3.0/events/",
            "If-Unmodified-Since",
            {"HTTP_IF_UNMODIFIED_SINCE": PAST, "HTTP_IF_NONE_MATCH": '"x"', "HTTP_IF_MODIFIED_SINCE": PAST},
        ),
        (
            "/2.3.0/events/upcoming/",
            "If-Match",
            {"HTTP_IF_MATCH": '"other"', "HTTP_IF_UNMODIFIED_SINCE": PAST},
        ),
    ]:
        answer = client.get(url, **conditions, **JSON)
        assert (answer.status_code, answer.json()) == (
            412,
            {"detail": f"The {header} precondition does not hold."},
        ), conditions
    assert client.get("/2.3.0/events/", HTTP_IF_MODIFIED_SINCE=modified, **JSON).status_code == 304


@pytest.mark.django_db
def test_a_response_without_a_date_tests_none(client):
    """Nothing was ever written: no Last-Modified, so If-Unmodified-Since is not tested (RFC 9110 §13.1.4)."""
    response = client.get("/2.3.0/events/", HTTP_IF_UNMODIFIED_SINCE=PAST, **JSON)
    assert (response.status_code, "Last-Modified" in response) == (200, False)


@pytest.mark.usefixtures("seeded")
def test_a_date_shared_by_two_versions_validates_neither(client, monkeypatch):
    """Two writes within one second: a copy dated to that second may be the first one's, so that date is not
    taken for the second one's (its ETag is)."""
    second = timezone.now().replace(microsecond=0)
    monkeypatch.setattr("spacedevs.models.timezone.now", lambda: second)
    DataState.bump()
    first = client.get("/2.3.0/events/352/", **JSON)
    within = second + datetime.timedelta(milliseconds=900)
    monkeypatch.setattr("spacedevs.models.timezone.now", lambda: within)
    ingest_records([fixture_events()[352] | {"name": "Renamed within the second"}], source="edit")
    since = client.get("/2.3.0/events/352/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"], **JSON)
    assert (since.status_code, since.json()["name"]) == (200, "Renamed within the second")
    assert since["Last-Modified"] == first["Last-Modified"]
    assert client.get("/2.3.0/events/352/", HTTP_IF_NONE_MATCH=since["ETag"], **JSON).status_code == 304
    assert client.get("/2.3.0/events/352/", HTTP_IF_MODIFIED_SINCE=FUTURE, **JSON).status_code == 304


@pytest.mark.usefixtures("seeded")
def test_a_writer_whose_clock_is_behind_dates_no_change_before_the_last(client, monkeypatch):
    """Writers on two hosts: one's clock half a second behind the other's. Its changes are dated no earlier
    than the last one, so a later change never takes the date a client holds of an earlier one."""
    second = timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=10)
    for offset, name in ((200, None), (-100, "Renamed behind"), (500, "Renamed again")):
        at = second + datetime.timedelta(milliseconds=offset)
        monkeypatch.setattr("spacedevs.models.timezone.now", lambda at=at: at)
        if name is None:
            DataState.bump()
            first = client.get("/2.3.0/events/352/", **JSON)
        else:
            ingest_records([fixture_events()[352] | {"name": name}], source="edit")
    since = client.get("/2.3.0/events/352/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"], **JSON)
    assert (since.status_code, since.json()["name"]) == (200, "Renamed again")
    assert DataState.current().changed_at == second + datetime.timedelta(milliseconds=500)


@pytest.mark.usefixtures("seeded")
def test_a_change_dated_ahead_of_the_servers_clock_is_sent_as_of_now(client):
    """A writer whose clock was ahead: Last-Modified is never later than the response's own date (RFC 9110
    §8.8.2.1), and that date validates no version (the change counts from its own second)."""
    ahead = timezone.now() + datetime.timedelta(hours=1)
    DataState.objects.update(changed_at=ahead, previous_changed_at=None)
    response = client.get("/2.3.0/events/352/", **JSON)
    modified = parsedate_to_datetime(response["Last-Modified"])
    assert modified <= timezone.now() < ahead
    assert (
        client.get("/2.3.0/events/352/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"], **JSON).status_code
        == 200
    )


@pytest.mark.usefixtures("all_fixtures")
def test_a_query_as_raw_utf_8_and_as_its_percent_encoding_are_two_queries(client):
    """A server that passes raw UTF-8 in the query (WSGI gives it as Latin-1 text) asks for an en dash; its
    percent-encoding as a URL would print it asks for the three characters that text shows."""
    raw = client.get("/2.3.0/events/", QUERY_STRING="search=\u00e2\u0080\u0093", **JSON)
    encoded = client.get("/2.3.0/events/", QUERY_STRING="search=%C3%A2%C2%80%C2%93", **JSON)
    assert (raw.json()["count"], encoded.json()["count"]) == (14, 0)


@pytest.mark.usefixtures("seeded")
def test_an_empty_accept_is_not_an_absent_one(client):
    """DRF answers an empty Accept with a 406, whatever was cached, and a validator of the 200 to a request
    without one validates nothing for it."""
    absent = client.get("/2.3.0/events/")
    assert absent.status_code == 200
    for headers in ({}, {"HTTP_IF_NONE_MATCH": absent["ETag"]}):
        assert client.get("/2.3.0/events/", HTTP_ACCEPT="", **headers).status_code == 406


@pytest.mark.usefixtures("seeded")
def test_a_deploy_of_other_code_is_a_change_for_if_modified_since(client, monkeypatch):
    call_command("migrate", verbosity=0)  # this code deployed
    # Long ago: a change now is in another second (two in one second validate neither).
    DataState.objects.update(
        changed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), previous_changed_at=None
    )
    first = client.get("/2.3.0/schema/?format=json")
    since = {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]}
    call_command("migrate", verbosity=0)  # again: nothing changed
    assert client.get("/2.3.0/schema/?format=json", **since).status_code == 304
    monkeypatch.setattr("spacedevs.changes.response_code", lambda: "other code")
    call_command("migrate", verbosity=0)
    after = client.get("/2.3.0/schema/?format=json", **since)
    assert after.status_code == 200
    assert parsedate_to_datetime(after["Last-Modified"]) > parsedate_to_datetime(first["Last-Modified"])


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("steps", "backwards", "moves"),
    [
        # A migration of an app whose rows are served, applied or unapplied: a data migration writes rows
        # that no signal reports.
        (["config:0003_longer_urls"], False, True),
        (["events:0012_longer_urls"], True, True),
        # Of the bookkeeping's apps alone: nothing served changed.
        (["ingest:0001_sync_checkpoint", "spacedevs:0002_api_keys"], False, False),
        # A new database's: nothing was served from it before.
        (["spacedevs:0001_data_state", "config:0001_initial"], False, False),
        (None, False, False),  # a flush: no plan
    ],
    ids=["served", "served-backwards", "bookkeeping", "new-database", "flush"],
)
def test_a_migrate_that_changed_served_tables_is_a_change(steps, backwards, moves):
    on_disk = MigrationLoader(None).disk_migrations
    plan = None if steps is None else [(on_disk[tuple(step.split(":"))], backwards) for step in steps]
    deployed_after_migrate(sender=None, using="default", plan=[])  # this code noted as deployed
    before = DataState.current()
    deployed_after_migrate(sender=None, using="default", plan=plan)
    assert DataState.current().version == before.version + moves


@pytest.mark.skipif(connection.vendor != "postgresql", reason=SCHEMA_IN_TRANSACTION)
def test_a_migrate_of_a_served_app_changes_what_is_cached_with_no_event_stored(db, client):
    # No event: no document to render again after the migrate, which would move the version too.
    cached = client.get("/2.3.0/config/event_types/", **JSON)
    version = DataState.current().version
    call_command("migrate", "config", "0002", verbosity=0)
    call_command("migrate", "config", verbosity=0)
    assert DataState.current().version == version + 2
    again = client.get("/2.3.0/config/event_types/", HTTP_IF_NONE_MATCH=cached["ETag"], **JSON)
    assert (again.status_code, again.json()) == (200, cached.json())


@pytest.mark.skipif(connection.vendor != "postgresql", reason=SCHEMA_IN_TRANSACTION)
@pytest.mark.usefixtures("seeded")
def test_a_migrate_back_before_the_deploys_column_and_forward_again_works(monkeypatch):
    monkeypatch.setattr("spacedevs.changes.response_code", lambda: "other code")
    call_command("migrate", "spacedevs", "0004", verbosity=0)
    call_command("migrate", "spacedevs", verbosity=0)
    assert DataState.objects.get().served_by == "other code"


@pytest.mark.usefixtures("seeded")
def test_a_deploy_is_noted_only_where_migrate_writes(monkeypatch):
    monkeypatch.setattr("spacedevs.changes.response_code", lambda: "other code")
    monkeypatch.setattr("spacedevs.changes.router.allow_migrate_model", lambda using, model: False)
    version = DataState.current().version
    call_command("migrate", verbosity=0)
    assert (DataState.current().version, DataState.objects.get().served_by) == (version, "")


@pytest.mark.usefixtures("seeded")
def test_another_deploy_shares_no_response(monkeypatch, settings):
    """A response in a shared cache was made by one version of the code and its settings: another deploy
    (code, libraries, compression) computes its own. (Django's client: a process's replays are its own.)"""
    client = Client()
    assert {"redoc.html", "serializers.py"} <= {path.name for path in project_files()}
    etags = {client.get("/2.3.0/events/", **JSON, **GZIP)["ETag"]}
    monkeypatch.setattr("spacedevs.response_cache.response_code", lambda: "another deploy")
    etags.add(client.get("/2.3.0/events/", **JSON, **GZIP)["ETag"])
    monkeypatch.undo()
    settings.GZIP_LEVEL = 3
    response_code.cache_clear()
    try:
        etags.add(client.get("/2.3.0/events/", **JSON, **GZIP)["ETag"])
    finally:
        response_code.cache_clear()
    assert len(etags) == 3


@pytest.mark.parametrize("library", ["icalendar", "PyYAML", "Markdown", "orjson", "Django"])
def test_another_version_of_a_library_that_shapes_responses_is_another_deploy(monkeypatch, library):
    """Calendar feeds (icalendar), the schema's YAML, the browsable API's help text (Markdown), JSON (orjson)
    and the rest: a deploy that upgrades one of them alone shares no response, ETag or date with the one
    before."""
    before = response_code()
    installed = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.other" if name == library else installed(name))
    response_code.cache_clear()
    try:
        assert response_code() != before
    finally:
        response_code.cache_clear()


def test_another_python_is_another_deploy(monkeypatch):
    before = response_code()
    monkeypatch.setattr(platform, "python_version", lambda: "3.99.0")
    response_code.cache_clear()
    try:
        assert response_code() != before
    finally:
        response_code.cache_clear()


@pytest.mark.usefixtures("all_fixtures")
@pytest.mark.parametrize(("accept", "coding"), [(GZIP, "gzip"), (BROTLI, "br")])
def test_compressed_responses_decode_to_the_same_bytes(client, accept, coding):
    for url in ("/2.3.0/events/?mode=detailed&limit=100", "/2.3.0/events/352/", "/2.3.0/schema/", "/2.3.0/"):
        plain, compressed = client.get(url), client.get(url, **accept)
        assert compressed["Content-Encoding"] == coding, url
        assert "Content-Encoding" not in plain
        assert DECOMPRESS[coding](compressed.content) == plain.content, url
        assert len(compressed.content) < len(plain.content) / 2, url
        assert client.get(url, **accept)["ETag"] == compressed["ETag"] != plain["ETag"]


@pytest.mark.usefixtures("seeded")
def test_errors_any_client_would_get_are_shared_no_longer_than_a_page_and_compressed(client):
    """A CDN would otherwise keep a 404 as long as it likes (RFC 9111 §4.2.2): an event imported after it
    would stay unknown there."""
    for url, status in (
        ("/2.3.0/events/999999/", 404),
        ("/2.3.0/events/?limit=abc", 400),
        ("/2.3.0/no/", 404),
    ):
        error = client.get(url, **JSON)
        assert (error.status_code, error["Cache-Control"]) == (status, "public, max-age=30"), url
    # A type no route gives: the same for any client too.
    refused = client.get("/2.3.0/events/", HTTP_ACCEPT="application/xml")
    assert (refused.status_code, refused["Cache-Control"]) == (406, "public, max-age=30")
    page = client.get("/2.3.0/events/999999/", HTTP_ACCEPT="text/html")
    compressed = client.get("/2.3.0/events/999999/", HTTP_ACCEPT="text/html", **GZIP)
    assert (compressed.status_code, compressed["Content-Encoding"]) == (404, "gzip")
    assert gzip.decompress(compressed.content) == page.content
    assert "accept-encoding" in compressed["Vary"].lower()


@pytest.mark.django_db
def test_a_body_too_small_to_gain_from_compression_is_sent_as_it_is(client):
    small = client.get("/2.3.0/events/999999/", **JSON, **GZIP)
    assert (small.status_code, small.has_header("Content-Encoding")) == (404, False)
    assert small.content == b'{"detail":"Not found."}'  # 23 bytes: gzip would add 20
    assert "accept-encoding" in small["Vary"].lower()


@pytest.mark.parametrize(("size", "coding"), [(MIN_COMPRESSED_SIZE - 1, None), (MIN_COMPRESSED_SIZE, "gzip")])
def test_a_body_is_compressed_from_the_smallest_size_worth_it(size, coding):
    response = HttpResponse(b"x" * size)
    encode(RequestFactory().get("/", HTTP_ACCEPT_ENCODING="gzip"), response)
    assert response.get("Content-Encoding") == coding
    assert body(response) == b"x" * size


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("GZIP", "gzip"),
        ("gzip;q=0, *", "br"),
        ("gzip;Q=0", None),  # parameter names are case-insensitive (RFC 9110 §5.6.6)
        ("*;q=0.3, gzip;q=0.2", "br"),
        ("*;q=0", None),
        ("identity", None),
        ("", None),
        ("gzip;q=x", None),
        ("br;q=nan, gzip", "gzip"),
        ("br;q=inf, gzip;q=0.1", "gzip"),
        ("br;q=-1, gzip;q=1.5", None),
        ("identity;q=1, gzip;q=0.5", None),
        ("gzip;q=0.5, identity;q=0.5", "gzip"),
        ("*;q=0.5, gzip;q=0.4, br;q=0.4", None),
        ("gzip;q=0.4, identity;q=0", "gzip"),
        ("x-gzip", "gzip"),
        ("X-GZIP;q=0.6, br;q=0.5", "gzip"),
        ("gzip, x-gzip;q=0", "gzip"),
        ("x-gzip;q=0, gzip", "gzip"),
        ("gzip;q=0, x-gzip", None),
    ],
)
def test_the_client_chooses_the_compression(header, coding):
    assert negotiated_coding(RequestFactory().get("/", HTTP_ACCEPT_ENCODING=header)) == coding


@pytest.mark.usefixtures("seeded")
def test_head_answers_headers_only(client, django_assert_num_queries):
    get = client.get("/2.3.0/events/", **JSON)
    with django_assert_num_queries(1):  # the data state; the page comes from the cache
        head = client.head("/2.3.0/events/", **JSON)
    assert (head.status_code, head.content) == (200, b"")
    assert head["Content-Length"] == str(len(get.content))
    assert head["ETag"] == get["ETag"]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_head_computed_first_is_the_get_without_its_body(client, accept):
    head = client.head("/2.3.0/events/?mode=list", HTTP_ACCEPT=accept)
    get = client.get("/2.3.0/events/?mode=list", HTTP_ACCEPT=accept)
    assert (head.content, head["Content-Length"], head["ETag"]) == (b"", str(len(get.content)), get["ETag"])
    if accept == "text/html":
        assert "<b>GET</b> /2.3.0/events/?mode=list" in get.content.decode()


@pytest.mark.usefixtures("seeded")
def test_a_hit_reads_only_the_data_state(client, django_assert_num_queries):
    client.get("/2.3.0/events/?mode=detailed", **JSON)
    with django_assert_num_queries(1):
        assert client.get("/2.3.0/events/?mode=detailed", **JSON).json()["results"][0]["id"] == 352


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("weak", [False, True], ids=["strong", "weak"])
def test_a_tag_named_in_if_none_match_is_a_304_before_the_page_is_computed(
    client, django_assert_num_queries, weak
):
    etag = client.get("/2.3.0/events/?mode=detailed", **JSON)["ETag"]
    caches[settings.RESPONSE_CACHE_ALIAS].clear()  # nothing cached: only the tag can answer it
    with django_assert_num_queries(1):  # the data state
        response = client.get(
            "/2.3.0/events/?mode=detailed", HTTP_IF_NONE_MATCH=f"W/{etag}" if weak else etag, **JSON
        )
    assert (response.status_code, response["ETag"]) == (304, etag)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("path", ["/2.3.0/events/?format=api", "/2.3.0/", "/2.3.0/swagger/"])
def test_html_pages_are_cached_and_validated_as_json_is(client, django_assert_num_queries, path):
    page = client.get(path, HTTP_ACCEPT="text/html", **GZIP)
    assert (page.status_code, page["Content-Encoding"], page["Vary"]) == (
        200,
        "gzip",
        "Accept, Accept-Encoding, origin",
    )
    assert ("Set-Cookie" in page, bool(getattr(page, "cookies", None))) == (False, False)
    with django_assert_num_queries(1):
        again = client.get(path, HTTP_ACCEPT="text/html", **GZIP)
    assert (again.content, again["ETag"]) == (page.content, page["ETag"])
    assert (
        client.get(path, HTTP_ACCEPT="text/html", HTTP_IF_NONE_MATCH=page["ETag"], **GZIP).status_code == 304
    )


def cookie_set(response, name):
    """The value of the cookie `name` that `response` (Django's test client's, or the WSGI client's) sets, or
    None."""
    cookies = response.cookies or SimpleCookie(response.get("Set-Cookie", ""))
    return cookies[name].value if name in cookies else None


@pytest.mark.usefixtures("seeded")
def test_a_csrf_cookie_django_cannot_read_is_replaced_on_a_cached_page_too(client):
    """Django's CSRF middleware replaces a CSRF cookie it cannot read, on any page: a page in the cache, or
    kept for replay, is answered to such a request as it is the first time, with a new cookie and private.
    A cookie it can read changes nothing."""
    path = "/2.3.0/events/?mode=list"
    public = client.get(path, **JSON)
    assert client.get(path, **JSON)["ETag"] == public["ETag"]  # cached, and kept for replay
    for validator in ({}, {}, {"HTTP_IF_NONE_MATCH": public["ETag"]}):  # revalidating the page too
        answer = client.get(path, HTTP_COOKIE="csrftoken=unreadable", **validator, **JSON)
        readable = cookie_set(answer, "csrftoken")
        assert readable not in (None, "unreadable")
        assert (answer.status_code, answer["Cache-Control"], answer.get("ETag")) == (200, "private", None)
        assert answer.content == public.content
    for _ in range(2):
        kept = client.get(path, HTTP_COOKIE=f"csrftoken={readable}", **JSON)
        assert cookie_set(kept, "csrftoken") is None
        assert (kept["Cache-Control"], kept["ETag"], kept.content) == (
            public["Cache-Control"],
            public["ETag"],
            public.content,
        )


@pytest.mark.usefixtures("seeded")
def test_a_browsable_page_shows_the_data(client):
    page = client.get("/2.3.0/events/?format=api", **GZIP)
    assert b"HTV-X1" in gzip.decompress(page.content)


@pytest.mark.usefixtures("seeded")
def test_windows_that_move_with_time_are_not_served_past_their_end(client, monkeypatch):
    # The seed event's date: on /upcoming/ for 24 hours after it, then only on /previous/.
    date = Event.objects.get(pk=352).date
    leaves_upcoming = date + datetime.timedelta(hours=24)
    monkeypatch.setattr(timezone, "now", lambda: leaves_upcoming - datetime.timedelta(seconds=5))
    inside = client.get("/2.3.0/events/upcoming/", **JSON)
    assert inside.json()["count"] == 1
    assert inside["Cache-Control"] == "public, max-age=5"  # no longer than the window lasts
    assert "Last-Modified" not in inside
    assert client.get("/2.3.0/events/upcoming/", **JSON)["ETag"] == inside["ETag"]
    monkeypatch.setattr(timezone, "now", lambda: leaves_upcoming + datetime.timedelta(seconds=1))
    after = client.get("/2.3.0/events/upcoming/", HTTP_IF_NONE_MATCH=inside["ETag"], **JSON)
    assert after.status_code == 200
    assert after.json()["count"] == 0


@pytest.mark.usefixtures("seeded")
def test_a_page_whose_window_ended_while_it_was_computed_has_max_age_0(client, monkeypatch):
    leaves_upcoming = Event.objects.get(pk=352).date + datetime.timedelta(hours=24)
    clock = [leaves_upcoming - datetime.timedelta(seconds=5)]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    read = StoredPage.__getitem__

    def slow_read(self, *args):
        clock[0] = leaves_upcoming + datetime.timedelta(seconds=5)
        return read(self, *args)

    monkeypatch.setattr(StoredPage, "__getitem__", slow_read)
    page = client.get("/2.3.0/events/upcoming/", **JSON)
    assert (page.status_code, page.json()["count"], page["Cache-Control"]) == (200, 1, "public, max-age=0")


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("route", ["upcoming", "previous"])
def test_a_window_with_no_change_ahead_has_no_last_modified_either(client, monkeypatch, route):
    # The data was written an hour before the seed event's date. Since then, with no write, the event came
    # onto /previous/ (at its date) and left /upcoming/ (24 hours later): the data's date is not when either
    # page last changed, and a copy from before those moments is not current.
    date = Event.objects.get(pk=352).date
    DataState.objects.update(changed_at=date - datetime.timedelta(hours=1), previous_changed_at=None)
    monkeypatch.setattr(timezone, "now", lambda: date + RECENT_GRACE + datetime.timedelta(seconds=1))
    assert Event.objects.next_window_change(timezone.now()) is None
    copy_dated = http_date((date - datetime.timedelta(minutes=30)).timestamp())
    for _ in range(2):  # computed, then from the cache (or replayed)
        page = client.get(f"/2.3.0/events/{route}/", HTTP_IF_MODIFIED_SINCE=copy_dated, **JSON)
        assert page.status_code == 200
        assert "Last-Modified" not in page
        assert page["Cache-Control"] == "public, max-age=30"


@pytest.mark.usefixtures("seeded")
def test_a_window_can_change_just_after_its_first_moment(client, monkeypatch):
    date = Event.objects.get(pk=352).date
    assert Event.objects.next_window_change(date) == date  # it leaves /upcoming/'s hidden-recent window now
    assert Event.objects.next_window_change(date + MICROSECOND) == date + RECENT_GRACE
    monkeypatch.setattr(timezone, "now", lambda: date)
    at = client.get("/2.3.0/events/previous/", **JSON)
    assert (at.json()["count"], at["Cache-Control"]) == (0, "public, max-age=0")
    monkeypatch.setattr(timezone, "now", lambda: date + MICROSECOND)
    after = client.get("/2.3.0/events/previous/", **JSON)
    assert (after.json()["count"], after["Cache-Control"]) == (1, "public, max-age=30")


@pytest.mark.usefixtures("seeded")
def test_every_request_in_a_window_runs_its_query_as_of_the_windows_first_moment(
    client, monkeypatch, django_assert_num_queries
):
    # The seed event is 10 days ahead: /upcoming/'s window lasts until its date.
    first_seen = Event.objects.get(pk=352).date - datetime.timedelta(days=10)
    monkeypatch.setattr(timezone, "now", lambda: first_seen)
    assert client.get("/2.3.0/events/upcoming/?mode=list", **JSON).json()["count"] == 1
    # An hour later, another mode of the same query: the same statement (the window's "now"), whose count
    # is known. Read: the data state, the page, the data state again.
    monkeypatch.setattr(timezone, "now", lambda: first_seen + datetime.timedelta(hours=1))
    with django_assert_num_queries(2 + (1 if connection.vendor == "postgresql" else 2)):
        page = client.get("/2.3.0/events/upcoming/?mode=normal", **JSON)
    assert [page.json()["count"], ids_of(page)] == [1, [352]]


@pytest.mark.usefixtures("seeded")
def test_a_prune_shows_at_once(client):
    from ingest.prune import prune_events

    ingest_records(copies_of_the_seed(1001), source="test")
    before = warm(client, ["/2.3.0/events/?mode=list", "/2.3.0/events/1001/"], **JSON)
    assert prune_events(frozenset({352}), max_fraction=1) == 1
    page = client.get("/2.3.0/events/?mode=list", **JSON)
    assert [page.json()["count"], ids_of(page)] == [1, [352]]
    assert page["ETag"] != before["/2.3.0/events/?mode=list"][0]
    assert client.get("/2.3.0/events/1001/", **JSON).status_code == 404


@pytest.mark.parametrize(
    ("headers", "personal"),
    [
        ([("Content-Type", "application/json"), ("Vary", "Accept, Accept-Encoding")], False),
        ([("Set-Cookie", "sessionid=; expires=Thu, 01 Jan 1970 00:00:00 GMT")], True),
        ([("set-cookie", "csrftoken=x")], True),
        ([("Vary", "Accept,Cookie")], True),
        ([("VARY", "Accept-Encoding ,  COOKIE")], True),
        ([("Vary", "Cookies")], False),
        ([("X-Cookie", "1"), ("Vary", "Accept")], False),
        ([], False),
    ],
)
def test_a_response_that_sets_or_varies_with_cookies_is_personal(headers, personal):
    assert is_personal(headers) is personal
