"""Request limits as LL2 has them: per address for anonymous clients (LL2's 15 an hour where configured), per
key and tier for `Authorization: Token <key>`; 429 with `Retry-After` over the limit; `/api-throttle/`."""

import hashlib
import io
import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import locmem
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.exceptions import AuthenticationFailed

from spacedevs.addresses import ForwardedByProxiesAlone
from spacedevs.faults import DatabaseTimedOut
from spacedevs.models import APIKey, APITier, DataState
from spacedevs.throttling import KeyAuthentication, sends_key, throttle_for, too_many_requests

JSON = {"HTTP_ACCEPT": "application/json"}
THROTTLED = {"detail": "Request was throttled. Expected available in 3600 seconds."}
pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(settings):
    settings.ANONYMOUS_THROTTLE_RATE = "15/hour"


def usage(client, **headers):
    response = client.get("/2.3.0/api-throttle/", **JSON, **headers)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")
    return response.json()


@pytest.mark.parametrize(("method", "query", "status"), [("get", "?format=%00", 400), ("post", "", 405)])
def test_the_api_throttles_errors_are_not_for_a_cache_either(client, method, query, status):
    response = getattr(client, method)(f"/2.3.0/api-throttle/{query}", **JSON)
    assert (response.status_code, response["Cache-Control"]) == (status, "no-store")
    assert not response.has_header("ETag")


@pytest.fixture
def advanced_key():
    tier = APITier.objects.create(name="Advanced", requests_per_hour=100)
    api_key = APIKey(name="A dashboard", tier=tier)
    key = api_key.set_new_key()
    api_key.save()
    return {"HTTP_AUTHORIZATION": f"Token {key}"}, api_key


@pytest.mark.usefixtures("limited")
def test_the_sixteenth_anonymous_request_in_an_hour_is_refused(client):
    # Cached answers count too: the same page fifteen times.
    for _ in range(15):
        assert client.get("/2.3.0/events/", **JSON).status_code == 200
    refused = client.get("/2.3.0/events/upcoming/", **JSON)
    assert (refused.status_code, refused.json(), refused["Retry-After"]) == (429, THROTTLED, "3600")
    assert refused.content == b'{"detail":"Request was throttled. Expected available in 3600 seconds."}'
    assert client.get("/health/").status_code == 200  # probes are not API requests


def test_many_other_clients_do_not_make_a_clients_count_start_again(client, settings):
    # Without Redis, the counters are in each process's memory, which keeps THROTTLE_MEMORY_CLIENTS.
    settings.ANONYMOUS_THROTTLE_RATE = "2/hour"
    first = {"REMOTE_ADDR": "10.0.0.1", **JSON}
    assert [client.get("/2.3.0/events/", **first).status_code for _ in range(2)] == [200, 200]
    for number in range(400):
        other = {"REMOTE_ADDR": f"10.1.{number // 256}.{number % 256}", **JSON}
        assert client.get("/2.3.0/events/", **other).status_code == 200
    assert client.get("/2.3.0/events/", **first).status_code == 429


@pytest.mark.usefixtures("limited")
def test_api_throttle_reports_the_use_without_counting(client):
    assert usage(client) == {
        "your_request_limit": 15,
        "limit_frequency_secs": 3600,
        "current_use": 0,
        "next_use_secs": 0,
        "ident": "127.0.0.1",
    }
    for _ in range(3):
        client.get("/2.3.0/events/", **JSON)
    assert usage(client)["current_use"] == usage(client)["current_use"] == 3
    for _ in range(12):
        client.get("/events/", **JSON)
    assert usage(client) | {"next_use_secs": "…"} == {
        "your_request_limit": 15,
        "limit_frequency_secs": 3600,
        "current_use": 15,
        "next_use_secs": "…",
        "ident": "127.0.0.1",
    }
    assert 3590 < usage(client)["next_use_secs"] <= 3600
    assert client.get("/api-throttle/", **JSON).json() == usage(client)  # unversioned too


@pytest.mark.usefixtures("limited")
def test_a_spoofed_forwarded_address_does_not_reset_the_count(client):
    for number in range(15):
        assert (
            client.get("/2.3.0/events/", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}", **JSON).status_code
            == 200
        )
    assert client.get("/2.3.0/events/", HTTP_X_FORWARDED_FOR="198.51.100.99", **JSON).status_code == 429


@pytest.mark.usefixtures("limited")
def test_behind_trusted_proxies_the_address_they_report_is_counted(client, settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    for number in range(15):
        forwarded = f"198.51.100.{number}, 203.0.113.7"  # what the client said, then what the proxy saw
        assert client.get("/2.3.0/events/", HTTP_X_FORWARDED_FOR=forwarded, **JSON).status_code == 200
    assert client.get("/2.3.0/events/", HTTP_X_FORWARDED_FOR="203.0.113.7", **JSON).status_code == 429
    assert client.get("/2.3.0/events/", HTTP_X_FORWARDED_FOR="203.0.113.8", **JSON).status_code == 200
    assert usage(client, HTTP_X_FORWARDED_FOR="x, 203.0.113.7")["ident"] == "203.0.113.7"


FORWARDED = {
    "HTTP_X_FORWARDED_FOR": "198.51.100.7",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_HOST": "mirror.example",
    "HTTP_X_FORWARDED_PORT": "443",
}


@pytest.mark.parametrize(
    ("networks", "connection", "believed"),
    [
        ([], "203.0.113.9", True),  # none given: every connection's
        (["10.0.0.0/8"], "10.1.2.3", True),
        (["10.0.0.0/8"], "203.0.113.9", False),  # a client past the proxy
        (["10.0.0.7"], "::ffff:10.0.0.7", True),
        (["fd00::/8", "10.0.0.7"], "fd00::1", True),
        (["10.0.0.0/8"], "unknown", False),
        (["10.0.0.0/8"], "", True),  # a Unix socket's: a proxy on the same host
    ],
)
def test_forwarded_headers_are_read_from_the_proxies_alone(networks, connection, believed):
    seen = {}

    def application(environ, start_response):
        seen.update(environ)
        return []

    ForwardedByProxiesAlone(application, networks)({"REMOTE_ADDR": connection, **FORWARDED}, None)
    assert {name: seen[name] for name in FORWARDED if name in seen} == (FORWARDED if believed else {})
    assert seen["REMOTE_ADDR"] == connection


@pytest.mark.usefixtures("limited")
@pytest.mark.parametrize(
    ("forwarded", "address"),
    [
        # A proxy that adds the client's port (one per connection) reports one client, not one a connection.
        ([f"203.0.113.7:{40000 + number}" for number in range(16)], "203.0.113.7"),
        (["[2001:db8::7]:40000", "2001:DB8::7", "2001:db8:0::7", "[2001:db8::7]"] * 4, "2001:db8::7"),
        (["::ffff:203.0.113.7", "203.0.113.7"] * 8, "203.0.113.7"),
        (["unknown", "unknown:40000"] * 8, "unknown"),  # RFC 7239: an address the proxy does not give
    ],
    ids=["ipv4-port", "ipv6", "ipv4-in-ipv6", "no-address"],
)
def test_the_address_a_proxy_reports_is_counted_however_it_is_written(client, settings, forwarded, address):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    statuses = [
        client.get("/2.3.0/events/", HTTP_X_FORWARDED_FOR=each, **JSON).status_code for each in forwarded
    ]
    assert statuses == [200] * 15 + [429]
    assert usage(client, HTTP_X_FORWARDED_FOR=forwarded[0])["ident"] == address


@pytest.mark.usefixtures("limited")
def test_a_key_of_a_higher_tier_has_its_tiers_limit(client, advanced_key):
    headers, api_key = advanced_key
    for _ in range(20):
        assert client.get("/2.3.0/events/", **JSON, **headers).status_code == 200
    assert usage(client, **headers) == {
        "your_request_limit": 100,
        "limit_frequency_secs": 3600,
        "current_use": 20,
        "next_use_secs": 0,
        "ident": f"key {api_key.prefix}",
    }
    assert usage(client)["current_use"] == 0  # the address's own count is apart


def test_without_a_rate_anonymous_clients_are_not_limited(client):
    for _ in range(30):
        assert client.get("/2.3.0/events/", **JSON).status_code == 200
    assert usage(client) == {
        "your_request_limit": None,
        "limit_frequency_secs": None,
        "current_use": 0,
        "next_use_secs": 0,
        "ident": "127.0.0.1",
    }


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token 0123456789abcdef0123456789abcdef01234567", "Invalid token."),
        ("token", "Invalid token header. No credentials provided."),
        ("Token two words", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_a_bad_key_is_a_401(client, header, detail):
    response = client.get("/2.3.0/events/", HTTP_AUTHORIZATION=header, **JSON)
    assert (response.status_code, response.json()) == (401, {"detail": detail})
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer 0123456789abcdef", "Tokens abc", " "])
def test_another_kind_of_authorization_is_anonymous_as_in_drf(client, settings, header):
    # As LL2 (DRF's TokenAuthentication) reads it: a proxy's Basic credentials, say, are not a key.
    settings.ANONYMOUS_THROTTLE_RATE = "2/hour"
    statuses = [client.get("/2.3.0/events/", HTTP_AUTHORIZATION=header, **JSON).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert usage(client, HTTP_AUTHORIZATION=header)["ident"] == "127.0.0.1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        *("Token abc", "TOKEN\tabc", " token abc", "\x0bToken abc", "Token", "Token a b", "Token ab\xffc"),
        *("Token\xa0abc", "Tokens abc", "Basic abc", "Bearer abc", "", " "),
    ],
)
def test_the_replay_and_django_agree_on_which_requests_send_a_key(header):
    # The replay layer sends a request to Django by sends_key(), without reading the key.
    request = RequestFactory().get("/2.3.0/events/", HTTP_AUTHORIZATION=header)
    try:
        read_as_key = KeyAuthentication().authenticate(request) is not None
    except AuthenticationFailed:
        read_as_key = True
    assert sends_key(request) is read_as_key


def test_a_key_with_a_tab_after_its_scheme_is_read_as_drf_reads_it(client, advanced_key):
    headers, api_key = advanced_key
    tabbed = headers["HTTP_AUTHORIZATION"].replace(" ", "\t")
    assert client.get("/2.3.0/events/", **JSON, HTTP_AUTHORIZATION=tabbed).status_code == 200
    assert usage(client, HTTP_AUTHORIZATION=tabbed)["ident"] == f"key {api_key.prefix}"


@pytest.mark.parametrize("given", ["prefix", "whole key"])
def test_a_revoked_key_is_a_401(client, advanced_key, given):
    headers, api_key = advanced_key
    key = headers["HTTP_AUTHORIZATION"].removeprefix("Token ")
    output = io.StringIO()
    call_command("api_keys", "revoke", api_key.prefix if given == "prefix" else key, stdout=output)
    assert output.getvalue() == f"Revoked the key starting with {api_key.prefix}\n"
    response = client.get("/2.3.0/events/", **JSON, **headers)
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token."})


WHAT_A_PREFIX_IS = "(a prefix is a key's first 8 characters)"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("abc123", "no active key has the prefix 'abc123' " + WHAT_A_PREFIX_IS),
        (
            "f" * 40,
            "no active key is the key starting with 'ffffffff' " + WHAT_A_PREFIX_IS,
        ),
    ],
)
def test_revoking_no_key_says_so_without_repeating_a_whole_key(advanced_key, given, message):
    with pytest.raises(CommandError) as refused:
        call_command("api_keys", "revoke", given, stdout=io.StringIO())
    assert str(refused.value) == message


def test_two_keys_of_one_prefix_are_revoked_by_the_whole_key(advanced_key):
    _, first = advanced_key
    other = "0" * 40
    APIKey(name="Another", tier=first.tier, key_hash=APIKey.hash(other), prefix=first.prefix).save()
    with pytest.raises(CommandError) as refused:
        call_command("api_keys", "revoke", first.prefix, stdout=io.StringIO())
    assert str(refused.value) == f"2 active keys have the prefix {first.prefix!r}: give the whole key"
    call_command("api_keys", "revoke", other, stdout=io.StringIO())
    assert list(APIKey.objects.filter(revoked=True).values_list("name", flat=True)) == ["Another"]


def test_keys_are_issued_listed_and_revoked_by_command(capsys):
    call_command("api_keys", "tier", "Basic", "210")
    call_command("api_keys", "tier", "Basic", "250")
    assert capsys.readouterr().out == "Created tier Basic (210/hour)\nChanged tier Basic (250/hour)\n"
    call_command("api_keys", "issue", "Home Assistant", " Basic ")  # a name as the tier command takes it
    key = capsys.readouterr().out.strip()
    stored = APIKey.objects.get()
    assert (len(key), stored.prefix, stored.key_hash) == (
        40,
        key[:8],
        hashlib.sha256(key.encode()).hexdigest(),
    )
    call_command("api_keys", "list")
    assert capsys.readouterr().out == f"{key[:8]}  Basic  active  Home Assistant\n"
    call_command("api_keys", "revoke", key[:8])
    call_command("api_keys", "list")
    assert capsys.readouterr().out.endswith(f"{key[:8]}  Basic  revoked  Home Assistant\n")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["tier", "Basic", "0"], "REQUESTS_PER_HOUR must be from 1 to 2147483647"),
        (["tier", "Basic", "2147483648"], "REQUESTS_PER_HOUR must be from 1 to 2147483647"),
        (["tier", "B" * 51, "10"], "name: Ensure this value has at most 50 characters (it has 51)."),
        (["tier", "  ", "10"], "name: This field cannot be blank."),
        (["issue", "x" * 101, "Basic"], "name: Ensure this value has at most 100 characters (it has 101)."),
        (["issue", " ", "Basic"], "name: This field cannot be blank."),
    ],
)
def test_the_key_command_refuses_what_the_admin_refuses(arguments, message):
    APITier.objects.create(name="Basic", requests_per_hour=210)
    with pytest.raises(CommandError) as refused:
        call_command("api_keys", *arguments, stdout=io.StringIO())
    assert str(refused.value) == message
    assert (list(APITier.objects.values_list("name", "requests_per_hour")), APIKey.objects.count()) == (
        [("Basic", 210)],
        0,
    )


def test_the_admin_shows_a_new_key_once(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", None))
    tier = APITier.objects.create(name="Basic", requests_per_hour=210)
    saved = client.post(reverse("admin:spacedevs_apikey_add"), {"name": "A bot", "tier": tier.pk})
    # The message waits in the session, on the server: not in a cookie, which browsers and proxies keep.
    assert "messages" not in saved.cookies
    response = client.get(saved.url)
    [message] = [str(message) for message in response.context["messages"] if "Copy it now" in str(message)]
    key = message.split(": ")[1].split(".")[0]
    assert APIKey.find(key).name == "A bot"
    assert (
        key
        not in client.get(
            reverse("admin:spacedevs_apikey_change", args=[APIKey.find(key).pk])
        ).content.decode()
    )


def test_a_rate_lowered_under_a_clients_use_is_a_429_not_an_error(client, settings):
    settings.ANONYMOUS_THROTTLE_RATE = "3/hour"
    for _ in range(3):
        client.get("/2.3.0/events/", **JSON)
    settings.ANONYMOUS_THROTTLE_RATE = "1/hour"  # three requests in the window, one allowed: DRF has no wait
    refused = client.get("/2.3.0/events/", **JSON)
    assert refused.status_code == 429
    assert 3590 < int(refused["Retry-After"]) <= 3600


def test_a_client_over_its_limit_waits_until_it_is_under_it(client, settings):
    """Five requests 100 s ago and five 3,000 s ago under a limit now 3 an hour: the oldest expire in 600 s,
    but the client is under its limit only once the third newest has, in 3,500 s."""
    settings.ANONYMOUS_THROTTLE_RATE = "3/hour"
    now = time.time()
    history = [now - 100] * 5 + [now - 3000] * 5  # newest first, as DRF keeps it
    caches[settings.THROTTLE_CACHE_ALIAS].set("throttle:address:127.0.0.1", history, 3600)
    refused = client.get("/2.3.0/events/", **JSON)
    assert refused.status_code == 429
    assert 3490 < int(refused["Retry-After"]) <= 3500
    assert 3490 < usage(client)["next_use_secs"] <= 3500


def test_a_tier_allows_at_least_one_request_an_hour(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", None))
    response = client.post(reverse("admin:spacedevs_apitier_add"), {"name": "None", "requests_per_hour": 0})
    assert response.status_code == 200  # the form again, with its error
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert not APITier.objects.exists()
    # Nor from a shell: every request of its keys would fail.
    with pytest.raises(IntegrityError), transaction.atomic():
        APITier.objects.create(name="None", requests_per_hour=0)


def test_requests_arriving_together_are_counted_in_turn(settings, monkeypatch):
    """Five requests at once from a client allowed two: each reads the client's history slowly (as from a
    busy Redis), so that without turns every one would read it before the others wrote it, and all pass."""
    settings.ANONYMOUS_THROTTLE_RATE = "2/hour"
    get = LocMemCache.get

    def slow_history(cache, key, *args, **kwargs):
        history = get(cache, key, *args, **kwargs)
        if key.endswith(":address:127.0.0.1"):
            time.sleep(0.05)  # read, not yet written back
        return history

    monkeypatch.setattr(LocMemCache, "get", slow_history)
    request = RequestFactory().get("/2.3.0/events/")
    allowed = []

    def send():
        allowed.append(throttle_for(None).allow_request(request, None))

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False, False, False, True, True]


def test_a_burst_longer_than_a_turns_wait_passes_no_more_than_the_limit(settings, monkeypatch):
    """Forty requests at once from a client allowed thirty, each taking its turn for 20 ms: those whose turn
    does not come within the wait are refused, uncounted, where they passed counted as DRF counts them (all
    at once: more than thirty passed, and fewer were counted)."""
    settings.ANONYMOUS_THROTTLE_RATE = "30/hour"
    get = LocMemCache.get

    def slow_history(cache, key, *args, **kwargs):
        history = get(cache, key, *args, **kwargs)
        if key.endswith(":address:127.0.0.1"):
            time.sleep(0.02)
        return history

    monkeypatch.setattr(LocMemCache, "get", slow_history)
    request = RequestFactory().get("/2.3.0/events/")
    throttles, start = [], threading.Barrier(40)

    def send():
        throttle = throttle_for(None)
        start.wait()
        throttles.append((throttle.allow_request(request, None), throttle))

    threads = [threading.Thread(target=send) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    passed = [throttle for allowed, throttle in throttles if allowed]
    refused = [throttle for allowed, throttle in throttles if not allowed]
    counted = caches["throttle"].get("throttle:address:127.0.0.1", [])
    assert len(passed) == len(counted) <= 30
    assert refused and all(throttle.busy for throttle in refused)
    busy = too_many_requests(refused[0])
    assert (busy.status_code, busy["Retry-After"], busy.content) == (
        429,
        "1",
        b'{"detail":"Request was throttled. Expected available in 1 second."}',
    )


def test_a_turn_lasts_through_its_holders_calls_at_the_longest_redis_timeout(settings, monkeypatch):
    """A holder's three calls in its turn may each take nearly REDIS_TIMEOUT: the turn's lock lasts past
    them. Ended before (at a fixed 2 s, where REDIS_TIMEOUT may be 15), another request of the client took
    its turn meanwhile, read the same count, and both passed a limit of one. The caches' clock is moved
    on by hand, as Redis's would move during the calls."""
    settings.ANONYMOUS_THROTTLE_RATE = "1/hour"
    settings.REDIS_TIMEOUT = 5
    clock = SimpleNamespace(time=time.time)
    monkeypatch.setattr(locmem, "time", clock)
    monkeypatch.setattr(cache_base, "time", clock)
    get = LocMemCache.get
    request = RequestFactory().get("/2.3.0/events/")
    second = []

    def slow_history(cache, key, *args, **kwargs):
        history = get(cache, key, *args, **kwargs)
        if key.endswith(":address:127.0.0.1") and not second:
            moved = time.time() + 3 * 4.9
            clock.time = lambda: moved
            other = throttle_for(None)
            second.append((other.allow_request(request, None), other.busy))
        return history

    monkeypatch.setattr(LocMemCache, "get", slow_history)
    assert throttle_for(None).allow_request(request, None)
    assert second == [(False, True)]


@pytest.mark.usefixtures("limited")
def test_a_request_the_database_could_not_answer_costs_the_client_nothing(client, monkeypatch, advanced_key):
    keyed, _ = advanced_key
    for headers in ({}, keyed):
        client.get("/2.3.0/events/", **JSON, **headers)
        before = usage(client, **headers)["current_use"]
        with monkeypatch.context() as outage:
            outage.setattr(DataState, "read_on", classmethod(unavailable))
            down = Client(raise_request_exception=False).get("/2.3.0/events/?x=1", **JSON, **headers)
            assert (down.status_code, down["Retry-After"]) == (503, "5")
        assert usage(client, **headers)["current_use"] == before
        client.get("/2.3.0/events/?x=2", **JSON, **headers)
        assert usage(client, **headers)["current_use"] == before + 1


@pytest.mark.usefixtures("limited")
def test_a_request_past_its_deadline_counts(client, monkeypatch):
    # The database did not answer in time: it may be hung, or the request's own query too costly.
    before = usage(client)["current_use"]
    monkeypatch.setattr(DataState, "read_on", classmethod(timed_out))
    assert Client(raise_request_exception=False).get("/2.3.0/events/", **JSON).status_code == 503
    monkeypatch.undo()
    assert usage(client)["current_use"] == before + 1


def unavailable(cls, alias):
    raise OperationalError("connection to server failed: Connection refused")


def timed_out(cls, alias):
    raise DatabaseTimedOut("The database did not answer within 5 s.")
