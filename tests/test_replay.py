"""Cache hits replayed before Django (spacedevs/replay.py): the same bytes and headers Django gave, a 304 or
HEAD as Django would give them, one read of the data state per request (none under a lease), and never a
response the database no longer agrees with (tests/test_response_cache.py runs its write paths through this
client too)."""

import contextlib
import datetime
import logging
import time

import pytest
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import connection
from django.utils import timezone

from events.models import Event
from spacedevs.addresses import ForwardedByProxiesAlone
from spacedevs.faults import DatabaseTimedOut
from spacedevs.models import DataState
from spacedevs.replay import RECORDING_OVERHEAD, ReplayedResponses, key_size
from spacedevs.request_host import HostAsHTTPDefinesIt
from spacedevs.script_name import ServedUnderScriptName
from spacedevs.throttling import ClientThrottle

from .conftest import STATE_READS, leases_of
from .writers import WriterElsewhere
from .wsgi_client import WSGIClient

JSON = {"HTTP_ACCEPT": "application/json"}
ROUTES = [
    "/2.3.0/events/?mode=detailed",
    "/2.3.0/events/352/",
    "/2.3.0/events/previous/?mode=list&search=HTV",
    "/2.2.0/event/upcoming/",
    "/2.3.0/",
    "/2.3.0/config/event_types/",
    "/2.3.0/events/?format=ics",
]
ENCODINGS = [{}, {"HTTP_ACCEPT_ENCODING": "gzip"}, {"HTTP_ACCEPT_ENCODING": "br"}]
PER_REQUEST = {"X-Request-ID"}


def headers_of(response, leave_out=PER_REQUEST):
    return {name: value for name, value in response.items() if name not in leave_out}


@pytest.fixture
def wsgi_client():
    return WSGIClient()


@pytest.fixture
def state_reads(monkeypatch):
    """How many times the data state is read."""
    reads = []
    read = DataState.read_on.__func__

    def counted(cls, alias):
        reads.append(1)
        return read(cls, alias)

    monkeypatch.setattr(DataState, "read_on", classmethod(counted))
    return reads


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("encoding", ENCODINGS, ids=["identity", "gzip", "br"])
def test_a_repeated_request_is_answered_as_django_answered_it(wsgi_client, route, encoding):
    first = wsgi_client.get(route, **encoding)
    again = wsgi_client.get(route, **encoding)
    assert wsgi_client.django_calls == 1
    assert (again.status_code, again.content) == (first.status_code, first.content) == (200, first.content)
    assert headers_of(again) == headers_of(first)
    assert again["X-Request-ID"] != first["X-Request-ID"]


@pytest.mark.usefixtures("seeded")
def test_a_replay_reads_the_data_state_alone(wsgi_client, django_assert_num_queries, state_reads):
    wsgi_client.get("/2.3.0/events/?mode=detailed", **JSON)
    with django_assert_num_queries(1):
        assert wsgi_client.get("/2.3.0/events/?mode=detailed", **JSON).json()["results"][0]["id"] == 352
    assert len(state_reads) == STATE_READS + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="leases are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_between_writers_turns_a_replay_reads_nothing_and_a_write_is_seen_at_once(
    wsgi_client, django_assert_num_queries, state_reads
):
    url = "/2.3.0/events/?mode=list"
    with leases_of(60):
        first = wsgi_client.get(url, **JSON)
        with django_assert_num_queries(0), request_signals() as sent:
            assert wsgi_client.get(url, **JSON).content == first.content
        assert sent == []  # nor does it start a request, or end one: it touches no connection
        # The page's first read of the state leased it: the read again once it was computed took the lease.
        assert (len(state_reads), wsgi_client.django_calls) == (1, 1)
    writer = WriterElsewhere()
    assert wsgi_client.get(url, **JSON)["ETag"] == first["ETag"]  # read, leased as long as writers wait
    writer.write()
    assert wsgi_client.get(url, **JSON)["ETag"] != first["ETag"]
    assert wsgi_client.django_calls == 2


@pytest.mark.usefixtures("seeded")
def test_head_and_conditional_requests_are_answered_as_django_answers_them(wsgi_client):
    url = "/2.3.0/events/?mode=normal"
    get = wsgi_client.get(url, **JSON)
    head = wsgi_client.head(url, **JSON)
    assert wsgi_client.django_calls == 1
    assert (head.status_code, head.content, headers_of(head)) == (200, b"", headers_of(get))
    assert head["Content-Length"] == str(len(get.content))
    assert headers_of(head) == headers_of(WSGIClient().head(url, **JSON))  # as Django answers it
    # Django gives the first 304, kept as it gave it.
    first = wsgi_client.get(url, HTTP_IF_NONE_MATCH=get["ETag"], **JSON)
    again = wsgi_client.get(url, HTTP_IF_NONE_MATCH=f'"other", {get["ETag"]}', **JSON)
    since = wsgi_client.get(url, HTTP_IF_MODIFIED_SINCE=get["Last-Modified"], **JSON)
    head_since = wsgi_client.head(url, HTTP_IF_MODIFIED_SINCE=get["Last-Modified"], **JSON)
    assert wsgi_client.django_calls == 2
    for response in (first, again, since, head_since):
        assert (response.status_code, response.content) == (304, b"")
        assert headers_of(response) == headers_of(first)
    assert "Content-Type" not in first and first["ETag"] == get["ETag"]
    assert wsgi_client.get(url, HTTP_IF_NONE_MATCH='"other"', **JSON).content == get.content
    unreadable = {"HTTP_IF_NONE_MATCH": "unquoted", "HTTP_IF_MODIFIED_SINCE": get["Last-Modified"]}
    assert wsgi_client.get(url, **unreadable, **JSON).content == get.content
    assert wsgi_client.django_calls == 2


@pytest.mark.usefixtures("seeded")
def test_a_sync_that_changes_no_data_is_seen_by_the_root_alone(wsgi_client):
    """The root's help text says when the data was last synced; a page of events does not."""
    root, events = "/2.3.0/?format=api", "/2.3.0/events/352/?format=json"
    before = {url: wsgi_client.get(url) for url in (root, events)}
    assert wsgi_client.get(root).content == before[root].content
    assert wsgi_client.django_calls == 2
    DataState.synced("https://upstream.example/", timezone.now())
    after = {url: wsgi_client.get(url) for url in (root, events)}
    assert (
        "Mirrored from" in after[root].content.decode()
        and "Mirrored from" not in before[root].content.decode()
    )
    assert after[root]["ETag"] != before[root]["ETag"]
    assert "Last-Modified" not in after[root]
    assert after[events].content == before[events].content
    assert wsgi_client.django_calls == 3


@pytest.mark.usefixtures("seeded")
def test_a_write_is_seen_by_the_next_request(wsgi_client, state_reads):
    first = wsgi_client.get("/2.3.0/events/352/", **JSON)
    Event.objects.filter(pk=352).update(name="Renamed")  # a write the signals do not see…
    DataState.bump()  # …reported as ingestion reports its own
    Event.objects.get(pk=352).save()  # and the stored documents rendered again
    after = wsgi_client.get("/2.3.0/events/352/", **JSON)
    assert after.json()["name"] == "Renamed" != first.json()["name"]
    assert after["ETag"] != first["ETag"]
    assert wsgi_client.django_calls == 2
    # Each computed response: the state as it starts (the one read before Django, for the second), and once
    # it is computed.
    assert len(state_reads) == 2 * STATE_READS


@pytest.mark.usefixtures("seeded")
def test_a_response_is_not_replayed_past_its_window(wsgi_client, monkeypatch):
    leaves_upcoming = Event.objects.get(pk=352).date + datetime.timedelta(hours=24)
    monkeypatch.setattr(timezone, "now", lambda: leaves_upcoming - datetime.timedelta(seconds=5))
    inside = wsgi_client.get("/2.3.0/events/upcoming/", **JSON)
    assert wsgi_client.get("/2.3.0/events/upcoming/", **JSON)["Cache-Control"] == "public, max-age=5"
    monkeypatch.setattr(timezone, "now", lambda: leaves_upcoming - datetime.timedelta(seconds=2))
    assert wsgi_client.get("/2.3.0/events/upcoming/", **JSON)["Cache-Control"] == "public, max-age=2"
    assert wsgi_client.django_calls == 1
    # At the window's last moment the page may be about to change: Django's to answer.
    monkeypatch.setattr(timezone, "now", lambda: leaves_upcoming)
    at_end = wsgi_client.get("/2.3.0/events/upcoming/", **JSON)
    assert (at_end.json()["count"], at_end["Cache-Control"], wsgi_client.django_calls) == (
        1,
        "public, max-age=0",
        2,
    )
    monkeypatch.setattr(timezone, "now", lambda: leaves_upcoming + datetime.timedelta(seconds=1))
    after = wsgi_client.get("/2.3.0/events/upcoming/", **JSON)
    assert (inside.json()["count"], after.json()["count"], wsgi_client.django_calls) == (1, 0, 3)


@pytest.mark.usefixtures("seeded")
def test_replays_count_towards_the_clients_limit(wsgi_client, settings):
    settings.ANONYMOUS_THROTTLE_RATE = "3/hour"
    statuses = [wsgi_client.get("/2.3.0/events/", **JSON).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert wsgi_client.django_calls == 2  # the first, and the refusal
    other_client = wsgi_client.get("/2.3.0/events/", REMOTE_ADDR="10.0.0.9", **JSON)
    assert (other_client.status_code, wsgi_client.django_calls) == (200, 2)


@pytest.mark.usefixtures("seeded")
def test_a_refusal_before_django_is_sent_by_django_without_asking_again(wsgi_client, settings, monkeypatch):
    settings.ANONYMOUS_THROTTLE_RATE = "3/hour"
    assert wsgi_client.get("/2.3.0/events/", **JSON).status_code == 200
    asked = []
    allow_request = ClientThrottle.allow_request
    monkeypatch.setattr(ClientThrottle, "WAIT_SECONDS", 0.05)
    monkeypatch.setattr(
        ClientThrottle, "allow_request", lambda *args: asked.append("asked") or allow_request(*args)
    )
    # Another request of the client holds its turn: this one's does not come (busy).
    caches[settings.THROTTLE_CACHE_ALIAS].add("throttle:address:127.0.0.1:lock", "other", 60)
    refused = wsgi_client.get("/2.3.0/events/", **JSON)
    assert (refused.status_code, refused["Retry-After"], asked) == (429, "1", ["asked"])
    assert wsgi_client.django_calls == 2  # the first, and the refusal, sent by Django


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"HTTP_AUTHORIZATION": "Token nonsense"},
        {"HTTP_COOKIE": "sessionid=unknown"},
        {"HTTP_IF_MATCH": '"other"'},
        {"HTTP_IF_UNMODIFIED_SINCE": "Mon, 01 Jan 1990 00:00:00 GMT"},
    ],
    ids=["keyed", "session", "if-match", "if-unmodified-since"],
)
def test_what_django_must_answer_itself_goes_to_django(wsgi_client, request_kwargs):
    for _ in range(3):
        wsgi_client.get("/2.3.0/events/", **request_kwargs)
    assert wsgi_client.django_calls == 3


@pytest.mark.usefixtures("seeded")
# An empty Host is no host Django allows; no renderer gives an empty Accept what it asks for.
@pytest.mark.parametrize(("header", "status"), [("HTTP_HOST", 400), ("HTTP_ACCEPT", 406)])
def test_an_empty_header_is_not_an_absent_one(wsgi_client, settings, header, status):
    assert wsgi_client.get("/2.3.0/events/").status_code == 200
    empty = wsgi_client.get("/2.3.0/events/", **{header: ""})
    settings.REPLAY_BYTES = 0
    djangos = WSGIClient().get("/2.3.0/events/", **{header: ""})
    assert (empty.status_code, empty.content) == (djangos.status_code, djangos.content)
    assert empty.status_code == status


@pytest.mark.usefixtures("seeded")
def test_browsable_pages_are_replayed(wsgi_client):
    pages = [wsgi_client.get("/2.3.0/events/", HTTP_ACCEPT="text/html") for _ in range(3)]
    assert (wsgi_client.django_calls, pages[2].content) == (1, pages[0].content)
    assert b"HTV-X1" in pages[0].content


@pytest.mark.usefixtures("seeded")
def test_a_database_fault_reading_the_state_is_answered_once(wsgi_client, monkeypatch, state_reads, settings):
    wsgi_client.get("/2.3.0/events/", **JSON)

    def timed_out(cls, alias):
        state_reads.append(1)
        raise DatabaseTimedOut("The database did not answer within 5 s.")

    monkeypatch.setattr(DataState, "read_on", classmethod(timed_out))
    response = wsgi_client.get("/2.3.0/events/", **JSON)
    assert (response.status_code, response["Retry-After"]) == (503, str(settings.DATABASE_RETRY_AFTER))
    assert response.json() == {"detail": "The database is unavailable. Try again shortly."}
    # The first request's (it was computed), and this one's (not tried again by Django).
    assert len(state_reads) == STATE_READS + 1


def recording_size(url):
    client = WSGIClient()
    client.get(url, **JSON)
    [recording] = client.application.recordings._values.values()
    return recording.size


@pytest.mark.usefixtures("all_fixtures")
def test_memory_is_bounded_least_recently_used_first(settings):
    sizes = {url: recording_size(url) for url in ("/2.3.0/events/", "/2.3.0/events/352/")}
    settings.REPLAY_BYTES = max(sizes.values()) + 1
    client = WSGIClient()
    for url in [*sizes, *sizes]:
        client.get(url, **JSON)
    assert client.django_calls == 4  # each pushed the other out
    assert client.application.recordings.size <= settings.REPLAY_BYTES
    settings.REPLAY_BYTES = 0
    off = WSGIClient()
    for _ in range(2):
        off.get("/2.3.0/events/352/", **JSON)
    assert off.django_calls == 2


@pytest.mark.usefixtures("seeded")
def test_small_responses_are_counted_with_what_keeping_them_costs(settings):
    settings.REPLAY_BYTES = 10 * RECORDING_OVERHEAD
    client = WSGIClient()
    for number in range(30):  # an ignored parameter: a new request each time, and a 52-byte body
        client.get(f"/2.3.0/events/?id=1&unknown={number}", **JSON)
    assert len(client.application.recordings._values) < 10
    assert client.application.recordings.size <= settings.REPLAY_BYTES


@pytest.mark.usefixtures("seeded")
def test_what_a_request_brings_to_the_key_is_counted(settings):
    # A header Django ignores (X-Forwarded-Host without USE_X_FORWARDED_HOST) is in the key: each value is a
    # recording of its own, as large as the value, whatever the body.
    settings.REPLAY_BYTES = 2_000_000
    client = WSGIClient()
    for number in range(30):
        client.get("/2.3.0/events/352/", HTTP_X_FORWARDED_HOST=f"{number}." + "h" * 200_000, **JSON)
    assert client.django_calls == 30
    assert len(client.application.recordings._values) < 10
    assert client.application.recordings.size <= settings.REPLAY_BYTES
    assert sum(map(key_size, client.application.recordings._values)) <= settings.REPLAY_BYTES


@pytest.mark.usefixtures("seeded")
def test_a_response_made_for_one_client_is_not_replayed_to_others(wsgi_client):
    # The session middleware clears a session cookie it does not know: that answer is the sender's alone.
    personal = wsgi_client.get("/2.3.0/events/", HTTP_COOKIE="sessionid=unknown", **JSON)
    assert "sessionid=" in personal["Set-Cookie"]
    assert personal["Cache-Control"] == "max-age=30, private"  # nor kept by a shared cache
    other = wsgi_client.get("/2.3.0/events/", **JSON)
    assert ("Set-Cookie" not in other, "Cookie" in other["Vary"]) == (True, False)
    assert wsgi_client.django_calls == 2
    assert other.content == personal.content
    # Nor is what was kept for others replayed to the sender of a session cookie.
    again = wsgi_client.get("/2.3.0/events/", HTTP_COOKIE="sessionid=unknown", **JSON)
    assert (wsgi_client.django_calls, headers_of(again)) == (3, headers_of(personal))
    # Nor the first 304, which Django gives.
    revalidate = {"HTTP_IF_NONE_MATCH": other["ETag"], **JSON}
    wsgi_client.get("/2.3.0/events/", HTTP_COOKIE="sessionid=unknown", **revalidate)
    not_modified = wsgi_client.get("/2.3.0/events/", **revalidate)
    assert (not_modified.status_code, "Set-Cookie" in not_modified) == (304, False)
    assert not_modified["Cache-Control"] == "public, max-age=30"


@contextlib.contextmanager
def request_signals():
    """The request_started and request_finished signals sent meanwhile: ("started", query) and ("finished",
    the sender's name)."""
    sent = []

    def started(**kwargs):
        sent.append(("started", kwargs["environ"]["QUERY_STRING"]))

    def finished(**kwargs):
        sent.append(("finished", kwargs["sender"].__name__))

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        yield sent
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)


@pytest.mark.usefixtures("seeded")
def test_a_replay_starts_and_finishes_a_request_as_django_does(wsgi_client):
    # Among the receivers of both: Django's, closing connections past CONN_MAX_AGE or that failed.
    with request_signals() as sent:
        for _ in range(2):
            wsgi_client.get("/2.3.0/events/?limit=1", **JSON)
    assert wsgi_client.django_calls == 1
    assert sent == [
        ("started", "limit=1"),
        ("finished", "WSGIHandler"),
        ("started", "limit=1"),
        ("finished", "ReplayedResponses"),
    ]


@pytest.mark.usefixtures("seeded")
def test_a_replay_is_logged_under_its_request_id(wsgi_client, caplog):
    caplog.set_level(logging.INFO)
    wsgi_client.get("/2.3.0/events/?limit=1", **JSON)
    caplog.clear()
    response = wsgi_client.get(
        "/2.3.0/events/?limit=1", HTTP_X_REQUEST_ID="lb-1", REMOTE_ADDR="10.1.2.3", **JSON
    )
    [line] = [record for record in caplog.records if record.name == "spacedevs.requests"]
    assert response["X-Request-ID"] == line.request_id == "lb-1"
    assert (line.method, line.path, line.status, line.client) == (
        "GET",
        "/2.3.0/events/?limit=1",
        200,
        "10.1.2.3",
    )


@pytest.mark.usefixtures("seeded")
def test_a_request_is_named_and_timed_from_its_arrival(wsgi_client, caplog, monkeypatch):
    """What the replay does before handing a request to Django (reading the data state) is logged under the
    request's id and counted in its duration."""
    caplog.set_level(logging.INFO)
    wsgi_client.get("/2.3.0/events/?limit=2", **JSON)
    DataState.bump()  # the recording no longer serves: read the state, then on to Django
    read, reads = DataState.read_on.__func__, []

    def first_read_slow(cls, alias):
        reads.append(1)
        if len(reads) == 1:
            logging.getLogger("spacedevs.tests").warning("reading the state")
            time.sleep(0.2)
        return read(cls, alias)

    monkeypatch.setattr(DataState, "read_on", classmethod(first_read_slow))
    caplog.clear()
    response = wsgi_client.get("/2.3.0/events/?limit=2", HTTP_X_REQUEST_ID="lb-2", **JSON)
    assert wsgi_client.django_calls == 2
    [reading] = [record for record in caplog.records if record.getMessage() == "reading the state"]
    [line] = [record for record in caplog.records if record.name == "spacedevs.requests"]
    assert response["X-Request-ID"] == reading.request_id == line.request_id == "lb-2"
    assert line.duration_ms >= 200


def test_gunicorn_serves_djangos_application_behind_the_replay():
    from spacedevs import gunicorn_config, wsgi

    assert gunicorn_config.wsgi_app == "spacedevs.wsgi"  # its `application`
    # Behind the script name's split of the path, the request's host as HTTP/1.1 defines it, and the check
    # of who may send forwarded headers: the replay's key reads all three.
    assert isinstance(wsgi.application, ServedUnderScriptName)
    host = wsgi.application.application
    assert isinstance(host, HostAsHTTPDefinesIt)
    forwarded = host.application
    assert isinstance(forwarded, ForwardedByProxiesAlone)
    assert isinstance(forwarded.application, ReplayedResponses)
    assert forwarded.application.application is wsgi.django_application


# Each pair: a request, then one that differs from it in a single input the response depends on (a link's
# scheme, host or prefix, or the CORS header a browser needs), and what tells the two answers apart.
@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("first", "then", "difference"),
    [
        ({}, {"HTTP_ORIGIN": "https://dashboard.example"}, "Access-Control-Allow-Origin"),
        ({"HTTP_ORIGIN": "https://dashboard.example"}, {}, "Access-Control-Allow-Origin"),
        ({"HTTP_X_FORWARDED_PROTO": "http"}, {"HTTP_X_FORWARDED_PROTO": "https"}, b'"https://testserver'),
        ({}, {"SCRIPT_NAME": "/mirror"}, b"http://testserver/mirror/2.3.0/"),
        ({}, {"SERVER_PORT": "8000"}, b"http://testserver:8000/2.3.0/"),
    ],
    ids=["origin-added", "origin-left-out", "forwarded-proto", "script-name", "server-port"],
)
def test_a_recording_is_replayed_only_to_a_request_it_answers(wsgi_client, settings, first, then, difference):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    url = "/2.3.0/events/?mode=list"
    recorded = wsgi_client.get(url, **first, **JSON)
    answer = wsgi_client.get(url, **then, **JSON)
    djangos = WSGIClient().get(url, **then, **JSON)  # nothing recorded: Django's own answer
    assert wsgi_client.django_calls == 2
    assert (answer.status_code, answer.content) == (200, djangos.content)
    assert headers_of(answer) == headers_of(djangos)
    # And the two answers do differ, where the test says.
    if isinstance(difference, bytes):
        assert (difference in answer.content, difference in recorded.content) == (True, False)
    else:
        assert (difference in answer) != (difference in recorded)
    if difference == "Access-Control-Allow-Origin" and difference in answer:
        assert answer[difference] == "*"


@pytest.mark.usefixtures("seeded")
def test_a_keyed_request_is_never_answered_by_a_recording(wsgi_client):
    url = "/2.3.0/events/?mode=list"
    assert wsgi_client.get(url, **JSON).status_code == 200  # recorded for anonymous requests
    keyed = wsgi_client.get(url, HTTP_AUTHORIZATION="Token nonsense", **JSON)
    assert (keyed.status_code, wsgi_client.django_calls) == (401, 2)
    assert keyed.json() == WSGIClient().get(url, HTTP_AUTHORIZATION="Token nonsense", **JSON).json()


@pytest.mark.usefixtures("seeded")
def test_a_request_with_another_kind_of_authorization_is_replayed(wsgi_client):
    url = "/2.3.0/events/?mode=list"
    recorded = wsgi_client.get(url, **JSON)
    replayed = wsgi_client.get(url, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz", **JSON)
    assert (replayed.status_code, replayed.content) == (200, recorded.content)
    assert wsgi_client.django_calls == 1


@pytest.mark.usefixtures("seeded")
def test_a_replay_says_when_the_mirror_last_synced(wsgi_client):
    url = "/2.3.0/events/?mode=list"
    synced = datetime.datetime(2026, 11, 30, 12, 0, 5, tzinfo=datetime.UTC)
    DataState.synced("https://upstream.example/", synced)
    first, again = wsgi_client.get(url, **JSON), wsgi_client.get(url, **JSON)
    assert wsgi_client.django_calls == 1
    assert first["X-Mirror-Synced-At"] == again["X-Mirror-Synced-At"] == "2026-11-30T12:00:05Z"
    # A sync that changes no data moves the time alone: the page is replayed, with the new time.
    DataState.synced("https://upstream.example/", synced + datetime.timedelta(minutes=10))
    later = wsgi_client.get(url, **JSON)
    assert (later.content, wsgi_client.django_calls) == (first.content, 1)
    synced_at = [value for name, value in wsgi_client.sent_headers if name.lower() == "x-mirror-synced-at"]
    assert synced_at == ["2026-11-30T12:10:05Z"]  # the time now, not beside the recorded one


@pytest.mark.usefixtures("seeded")
def test_a_replay_sends_each_header_once(wsgi_client, monkeypatch):
    leaves_upcoming = Event.objects.get(pk=352).date + datetime.timedelta(hours=24)
    monkeypatch.setattr(timezone, "now", lambda: leaves_upcoming - datetime.timedelta(seconds=5))
    wsgi_client.get("/2.3.0/events/upcoming/", **JSON)
    monkeypatch.setattr(timezone, "now", lambda: leaves_upcoming - datetime.timedelta(seconds=2))
    replayed = wsgi_client.get("/2.3.0/events/upcoming/", **JSON)
    assert wsgi_client.django_calls == 1
    names = [name.lower() for name, _ in wsgi_client.sent_headers]
    assert sorted(names) == sorted(set(names))
    assert [value for name, value in wsgi_client.sent_headers if name.lower() == "cache-control"] == [
        "public, max-age=2"
    ]
    assert replayed.json()["count"] == 1
