"""Which database a read goes to: one replica for all of an API request's reads until it writes; the primary
for everything else (the admin, other methods, commands)."""

import pytest
from django.test import RequestFactory

from events.models import Event
from spacedevs.replicas import READS_FROM_KEY, ReplicaReadsMiddleware, ReplicaRouter

router = ReplicaRouter()


def reads_during(method, path, writes=False):
    """The databases a request's reads go to, before and after a write of its own."""
    seen = []

    def view(request):
        seen.append(router.db_for_read(Event))
        if writes:
            assert router.db_for_write(Event) == "default"
        seen.append(router.db_for_read(Event))
        return None

    middleware = ReplicaReadsMiddleware(view)
    middleware.replicas = ["replica_0", "replica_1"]
    middleware(getattr(RequestFactory(), method)(path))
    return seen


@pytest.mark.parametrize("path", ["/2.3.0/events/", "/events/352/", "/2.3.0/api-throttle/"])
def test_an_api_request_reads_from_one_replica(path):
    first, second = reads_during("get", path)
    assert first == second and first in ("replica_0", "replica_1")
    assert reads_during("head", path)[0] in ("replica_0", "replica_1")


def test_after_its_own_write_a_request_reads_from_the_primary():
    first, second = reads_during("get", "/2.3.0/events/", writes=True)
    assert first != "default" and second == "default"


@pytest.mark.parametrize(("method", "path"), [("get", "/admin/events/event/"), ("post", "/2.3.0/events/")])
def test_the_admin_and_other_methods_use_the_primary(method, path):
    assert reads_during(method, path) == ["default", "default"]


def test_outside_requests_everything_uses_the_primary():
    assert router.db_for_read(Event) == router.db_for_write(Event) == "default"
    assert router.allow_migrate("default", "events") and not router.allow_migrate("replica_0", "events")


def test_a_choice_made_before_django_is_kept():
    seen = []
    middleware = ReplicaReadsMiddleware(lambda request: seen.append(router.db_for_read(Event)))
    middleware.replicas = ["replica_0", "replica_1"]
    for _ in range(20):  # a random choice would differ at least once
        middleware(RequestFactory().get("/2.3.0/events/", **{READS_FROM_KEY: "replica_1"}))
    assert seen == ["replica_1"] * 20
