"""Which database a read goes to: for an API request, one replica once it holds the data state the primary
gave the request, else the primary, for all its reads until it writes; the primary for everything else."""

from types import SimpleNamespace

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from events.models import Event
from spacedevs import replicas
from spacedevs.middleware import ReplicaReadsMiddleware
from spacedevs.models import DataState
from spacedevs.replicas import ReplicaRouter

router = ReplicaRouter()
REPLICAS = ["replica_0", "replica_1"]


def state(synced_tag):
    """A data state as far as a request's replica is checked: `synced_tag` is "<data version>/<sync>"."""
    return SimpleNamespace(tag=synced_tag.partition("/")[0], synced_tag=synced_tag)


@pytest.fixture
def replicas_hold(monkeypatch):
    """`replicas_hold(replica_0="v1", …)`: the data state each replica holds (its `synced_tag`; an exception
    to raise instead); returns the replicas asked for theirs, in order."""
    held, asked = {}, []

    def read_on(cls, alias):
        asked.append(alias)
        if isinstance(held[alias], Exception):
            raise held[alias]
        return state(held[alias])

    monkeypatch.setattr(DataState, "read_on", classmethod(read_on))
    monkeypatch.setattr(replicas, "_resting", {})

    def hold(**tags):
        held.update(tags)
        return asked

    return hold


def reads_during(method, path, reads=2, writes=False, vouched="v1"):
    """The databases a request's reads go to (a write of its own after the first), its data state's tag
    being `vouched` on the primary."""
    seen = []

    def view(request):
        for number in range(reads):
            if writes and number == 1:
                assert router.db_for_write(Event) == "default"
            seen.append(router.db_for_read(Event))

    middleware = ReplicaReadsMiddleware(view)
    middleware.replicas = REPLICAS
    request = getattr(RequestFactory(), method)(path)
    request.data_state = state(vouched)
    middleware(request)
    return seen


@pytest.mark.parametrize("path", ["/2.3.0/events/", "/events/352/", "/2.3.0/api-throttle/"])
def test_an_api_request_reads_from_one_replica_that_holds_its_data(path, replicas_hold):
    asked = replicas_hold(replica_0="v1", replica_1="v1")
    first, second = reads_during("get", path)
    assert first == second and first in REPLICAS
    assert asked == [first]  # asked once, at the first read
    assert reads_during("head", path)[0] in REPLICAS


def test_a_replica_behind_the_primary_leaves_the_request_on_the_primary(replicas_hold):
    asked = replicas_hold(replica_0="v1", replica_1="v0")
    seen = [reads_during("get", "/2.3.0/events/") for _ in range(20)]
    assert {tuple(reads) for reads in seen} == {("replica_0", "replica_0"), ("default", "default")}
    assert len(asked) == 20 and set(asked) == set(REPLICAS)  # a random choice differs at least once


def test_a_replica_behind_a_sync_that_changed_no_data_leaves_the_request_on_the_primary(replicas_hold):
    """Its data version is the request's, but not the sync's time, which the API root shows."""
    replicas_hold(replica_0="v1/17:56", replica_1="v1/17:56")
    assert reads_during("get", "/2.3.0/", vouched="v1/18:56") == ["default", "default"]
    assert reads_during("get", "/2.3.0/", vouched="v1/17:56")[0] in REPLICAS


def test_a_replica_that_cannot_say_rests_and_the_primary_serves(replicas_hold, monkeypatch, settings):
    down = OperationalError("connection to server at 127.0.0.1 failed: Connection refused")
    asked = replicas_hold(replica_0=down, replica_1=down)
    now = [1000.0]
    monkeypatch.setattr(replicas.time, "monotonic", lambda: now[0])
    assert reads_during("get", "/2.3.0/events/") == ["default", "default"]
    [resting] = asked
    replicas_hold(**{resting: "v1"})
    seen = {reads_during("get", "/2.3.0/events/")[0] for _ in range(20)}
    assert resting not in seen  # not asked while it rests
    now[0] += settings.DATABASE_RETRY_AFTER
    replicas_hold(replica_0="v1", replica_1="v1")
    assert {reads_during("get", "/2.3.0/events/")[0] for _ in range(20)} == set(REPLICAS)


def test_a_request_that_reads_nothing_asks_no_replica(replicas_hold):
    asked = replicas_hold(replica_0="v1", replica_1="v1")
    assert reads_during("get", "/2.3.0/events/", reads=0) == []
    assert asked == []


def test_after_its_own_write_a_request_reads_from_the_primary(replicas_hold):
    replicas_hold(replica_0="v1", replica_1="v1")
    first, second = reads_during("get", "/2.3.0/events/", writes=True)
    assert first != "default" and second == "default"


@pytest.mark.parametrize(("method", "path"), [("get", "/admin/events/event/"), ("post", "/2.3.0/events/")])
def test_the_admin_and_other_methods_use_the_primary(method, path, replicas_hold):
    asked = replicas_hold(replica_0="v1", replica_1="v1")
    assert reads_during(method, path) == ["default", "default"]
    assert asked == []


def test_outside_requests_everything_uses_the_primary():
    assert router.db_for_read(Event) == router.db_for_write(Event) == "default"
    assert router.allow_migrate("default", "events") and not router.allow_migrate("replica_0", "events")
