"""Real LL2 client libraries from PyPI, unmodified and pointed at a live server by their base URL alone
(they call LL2's legacy singular paths), get the events this API gives, parsed into their own models."""

import json
import os
import subprocess

import pytest

from .conftest import ROOT
from .instances import Instance, http_get

CLIENTS_PYTHON = os.environ.get("CLIENTS_PYTHON")
pytestmark = pytest.mark.skipif(
    not CLIENTS_PYTHON and not os.environ.get("SPACEDEVS_EXPECT_CLIENTS"),
    reason="needs the clients' environment: CLIENTS_PYTHON (bin/test builds it with bin/clients)",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_databases):
    instance = Instance.copy_of(sqlite_databases["imported"], tmp_path_factory.mktemp("clients")).serve()
    yield instance
    instance.stop()


def names(server, path):
    return [event["name"] for event in http_get(f"{server.base_url}{path}").json()["results"]]


def test_pylaunches_nextinspace_and_skylab_get_this_apis_events(server):
    assert CLIENTS_PYTHON, "bin/test sets CLIENTS_PYTHON"
    root = server.base_url.removesuffix("/2.3.0")
    result = subprocess.run(
        [CLIENTS_PYTHON, str(ROOT / "tests/clients/run.py"), root], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    upcoming = names(server, "/events/upcoming/")
    assert upcoming, "the fixtures have upcoming events"
    assert parsed["pylaunches"] == {
        "event": names(server, "/events/"),
        "event_upcoming": upcoming,
        "event_previous": names(server, "/events/previous/"),
    }
    assert parsed["nextinspace"] == {"next_event": names(server, "/events/upcoming/?limit=5")}
    assert parsed["skylab"] == {"event_factory": upcoming}
