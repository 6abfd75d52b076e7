"""Test data, imported once and shared.

A test asks for its data by naming a data set fixture: `seeded` (the seed event alone), `all_fixtures`
(every event in fixtures/, the seed among them) or `generated` (synthetic events); a test that asks for
the database (`db`, the `django_db` mark) and names none of them gets an empty database.

A data set is imported once, in a transaction that stays open while consecutive tests use it, and each
test runs in its own savepoint inside it (pytest-django's per-test transaction), so what a test writes is
rolled back after it, and the next test sees the data set as imported. When a test needs another data set
(or none), the transaction is rolled back and the other one imported. Tests run in file order (each xdist
worker a contiguous run of them: see pyproject.toml), and a file's tests mostly share one data set, so a
run imports each data set a few times, not once per test.
"""

import contextlib
import copy
import datetime
import gc
import io
import json
import math
import os
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from pytest_django.fixtures import validate_django_db

from ingest.records import ingest_records
from ingest.synthetic import generate_events
from spacedevs import turns
from spacedevs.api.document_cache import documents_held
from spacedevs.api.stored import StoredDocumentsMixin
from spacedevs.gzip_parts import parts_held
from spacedevs.sources import project_app_configs
from spacedevs.turns import end_lease

# The sync tests' fixtures (fake_ll2, sync_ll2), shared by their modules; transactional tests' quicker end.
pytest_plugins = ["tests.sync_fixtures", "tests.emptied_tables"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEED = FIXTURES / "seed-event-352.json"
# The queries that read a page of stored documents (StoredPage) when the process holds none of them (as each
# test starts): one statement on PostgreSQL (the page's ids joined to their documents), the page's ids and
# then their documents elsewhere.
PAGE_QUERIES = 1 if connection.vendor == "postgresql" else 2
# A response computed (not served from the cache) reads the data state twice: as its request starts, and
# once it is computed, to know it was computed from one version of the data (spacedevs/response_cache.py).
STATE_READS = 2
# Why some tests run on PostgreSQL alone (bin/test's database; a run on SQLite skips them).
SCHEMA_IN_TRANSACTION = "SQLite's schema editor cannot run inside the test's transaction"
CONCURRENT_WRITERS = "SQLite's test database refuses a second writer (table is locked) where PostgreSQL waits"
# The project's own apps: the installed apps that are folders at the top of the repository.
PROJECT_APPS = tuple(config.label for config in project_app_configs())


def fixture_files():
    return sorted(FIXTURES.glob("*.json"))


def fixture_events():
    """Every event in fixtures/, as LL2 JSON, keyed by id."""
    events = {}
    for path in fixture_files():
        document = json.loads(path.read_text())
        for event in document if isinstance(document, list) else [document]:
            events[event["id"]] = event
    return events


def project_tables():
    return [
        model._meta.db_table
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    ]


def snapshot_tables():
    """Every row of every project table, to tell whether anything at all changed."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }


# --- The data sets ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def leases_of(seconds):
    """Leases of the data state of `seconds` (spacedevs/turns.py), as writers wait them out too: none may
    write inside for as long, nor hold a lease when it ends (a writer after it waits out the usual lease)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(turns, "LEASE_SECONDS", seconds)
        try:
            yield
        finally:
            end_lease(connection)


def import_files(*paths):
    call_command("import_ll2", *map(str, paths), stdout=io.StringIO())


def import_generated():
    """Imports 400 synthetic events (ids 1…400) from the generator, and two events with every relation
    filled that come first on every route: 9001 (the earliest) and 9002 (an hour before the import); returns
    them all."""
    events = copy.deepcopy(list(generate_events(400, seed=11, start_id=1)))
    an_hour_ago = (timezone.now() - datetime.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    events += [rich_event(events, 9001, "1990-01-01T00:00:00Z"), rich_event(events, 9002, an_hour_ago)]
    ingest_records(events, source="generated")
    return events


def _filled(value):
    """How much of `value` is filled in: the number of non-null, non-empty leaves."""
    if isinstance(value, dict):
        return sum(_filled(item) for item in value.values())
    if isinstance(value, list):
        return sum(_filled(item) for item in value)
    return value not in (None, "")


def rich_event(events, event_id, date):
    """An event with every list and nested object filled, assembled from the fullest parts of `events`
    (the generator's pool keeps each nested id identical, so the parts stay consistent)."""
    event = copy.deepcopy(max(events, key=_filled))
    for key in event:
        event[key] = copy.deepcopy(max((other[key] for other in events), key=_filled))
    event["updates"] = [update | {"id": event_id * 100 + n} for n, update in enumerate(event["updates"])]
    return event | {"id": event_id, "slug": f"rich-event-{event_id}", "date": date}


# Each data set fixture's name → what imports it (and returns the fixture's value).
DATA_SETS = {
    "seeded": lambda: import_files(SEED),
    "all_fixtures": lambda: import_files(*fixture_files()),
    "generated": import_generated,
}
# A data set that holds another one whole serves the tests that name both.
INCLUDES = {"all_fixtures": {"seeded"}}


class SharedData:
    """The data set in place: imported in a transaction that is still open, or None (an empty database)."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.name = self.value = self._atomic = None

    def use(self, name):
        if name == self.name:
            return
        with self.blocker.unblock():
            if len(connection.atomic_blocks) != (0 if self._atomic is None else 1):
                raise RuntimeError("the test's transaction was opened before its data set was put in place")
            self.discard()
            if name is None:
                return
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                self.value = DATA_SETS[name]()
                # Check the deferred foreign keys now, outside any savepoint, where PostgreSQL can drop
                # the checks it has done; otherwise every test's own check (pytest-django's, at its end,
                # inside its savepoint) walks every row of the data set again.
                connection.check_constraints()
                if connection.vendor == "postgresql":
                    # Statistics of the data set (its own transaction sees it): without them the planner
                    # guesses from the tables' sizes, swollen by the data sets rolled back before, and
                    # may JIT-compile a query on a hundred rows for a third of a second. The project's
                    # tables only: a bare ANALYZE also locks the cluster's shared catalogs until this
                    # transaction ends, and another worker's ANALYZE would wait for it.
                    with connection.cursor() as cursor:
                        tables = ", ".join(map(connection.ops.quote_name, project_tables()))
                        cursor.execute(f"ANALYZE {tables}")
            except BaseException:
                atomic.__exit__(*sys.exc_info())
                raise
            self._atomic, self.name = atomic, name

    def discard(self):
        """Roll the data set back, leaving the database empty."""
        if self._atomic is not None:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            self.name = self.value = self._atomic = None


def data_set_of(item):
    """The data set a collected test names (the including one, when it names two), or None."""
    names = [name for name in DATA_SETS if name in getattr(item, "fixturenames", ())]
    names = [name for name in names if not any(name in INCLUDES.get(other, ()) for other in names)]
    return names[0] if names else None


def pytest_xdist_auto_num_workers(config):
    """One worker more than the CPUs this process may use (`--numprocesses=auto`): a fair share of the
    suite waits on the servers its tests start (gunicorn, PostgreSQL, Chromium), and a third worker on two
    CPUs cut a run by a tenth, where a fourth gained nothing. xdist's own count (None) where it is asked
    for: `PYTEST_XDIST_AUTO_NUM_WORKERS` or `--numprocesses=logical`."""
    if "PYTEST_XDIST_AUTO_NUM_WORKERS" in os.environ or config.option.numprocesses == "logical":
        return None
    return usable_cpus() + 1


def usable_cpus():
    """The CPUs this process may run on, fewer where a CPU quota of its cgroup, or of one above it, allows
    less of them (cgroup v2's `cpu.max`, `<quota> <period>` or `max`: a container's CPU limit, systemd's
    `CPUQuota=`)."""
    count = len(os.sched_getaffinity(0))
    try:
        own = next(
            line[3:] for line in Path("/proc/self/cgroup").read_text().splitlines() if line[:3] == "0::"
        )
    except (OSError, StopIteration):  # no cgroup v2
        return count
    below_root = Path(own.strip().lstrip("/"))
    group = Path("/sys/fs/cgroup", below_root)
    for folder in [group, *group.parents][: len(below_root.parts) + 1]:  # up to the root, not past it
        try:
            quota, period = (folder / "cpu.max").read_text().split()
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
        except (OSError, ValueError):  # no quota here (`max`), or no such file (the root has none)
            pass
    return count


def pytest_collection_modifyitems(items):
    """The tests of each data set run together (in file order within it), so that each worker imports a
    data set a few times, not once for every file or stretch of a file that uses it."""
    order = {name: rank for rank, name in enumerate([*DATA_SETS, None])}
    items.sort(key=lambda item: order[data_set_of(item)])


@pytest.fixture(scope="session")
def shared_data(django_db_setup, django_db_blocker):
    data = SharedData(django_db_blocker)
    yield data
    with django_db_blocker.unblock():
        data.discard()


def _transactional(request):
    """Whether pytest-django gives this test a TransactionTestCase (its own rules, in fixtures.py)."""
    marker = request.node.get_closest_marker("django_db")
    transactional, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    fixtures = {"transactional_db", "live_server", "django_db_reset_sequences"}
    return transactional or reset_sequences or bool(fixtures & set(request.fixturenames))


@pytest.fixture
def _data_set(request, shared_data):
    """Puts this test's data set in place (see the module's docstring)."""
    names = {name for name in DATA_SETS if name in request.fixturenames}
    names -= {included for name in names for included in INCLUDES.get(name, ())}
    if len(names) > 1:
        pytest.fail(f"a test can use one data set, not {sorted(names)}", pytrace=False)
    if names and _transactional(request):
        pytest.fail("the data sets are shared inside a transaction: a transactional test can't use them")
    shared_data.use(names.pop() if names else None)


@pytest.fixture
def _django_db_helper(_data_set, _django_db_helper):
    """pytest-django's per-test database access, opened once the test's data set is in place: every way to
    the database (`db`, `transactional_db`, the `django_db` mark) goes through this fixture."""


@pytest.fixture(scope="session")
def served_openapi_document(django_db_setup, django_db_blocker):
    """The OpenAPI document as `/2.3.0/schema/?format=json` serves it. A test using it asks for the database
    too (`pytest.mark.django_db`): the document is a request's, which reads the data state, and pytest-django
    sets up the test database only for a run whose tests ask for one (run alone, it read the project's own).
    """
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/2.3.0/schema/?format=json").json()


@pytest.fixture
def seeded(db):
    """The seed event alone (fixtures/seed-event-352.json), as `import_ll2` stores it."""


@pytest.fixture
def all_fixtures(db):
    """Every event in fixtures/, as `import_ll2` stores them."""


@pytest.fixture
def generated(db, shared_data):
    """The events `import_generated()` imported (treat them as read-only)."""
    return shared_data.value


_DOCUMENTS = {}


@pytest.fixture
def fixture_event_documents(all_fixtures, client):
    """`GET /2.3.0/events/{id}/` (JSON, so detailed) of every event in fixtures/, keyed by id: fetched once
    per worker for the tests that read them, since `all_fixtures` is the same whenever it is in place."""
    if not _DOCUMENTS:
        for event_id in fixture_events():
            response = client.get(f"/2.3.0/events/{event_id}/", HTTP_ACCEPT="application/json")
            assert response.status_code == 200, event_id
            _DOCUMENTS[event_id] = response.json()
    return copy.deepcopy(_DOCUMENTS)


@pytest.fixture
def import_ll2(capsys):
    """Run `import_ll2` on paths and return what it printed."""

    def run(*paths):
        call_command("import_ll2", *map(str, paths))
        return capsys.readouterr().out

    return run


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashes():
    """Passwords hashed by a quick hasher, as Django's testing docs advise: an admin sign-in attempt, even of
    a user that does not exist, hashes a password (a third of a second with PBKDF2)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def pytest_collection_finish(session):
    """The garbage collector set as in a gunicorn worker (the loaded code and the collected tests frozen out
    of its scans), and young collections less often: tests build far more lasting objects than requests."""
    from spacedevs.gunicorn_config import tune_garbage_collector

    tune_garbage_collector()
    gc.set_threshold(50_000, 20, 100)


@pytest.fixture
def live_rendering(monkeypatch):
    """Event views render with their serializers, per request, instead of serving stored documents."""
    monkeypatch.setattr(StoredDocumentsMixin, "_stored", lambda view: False)


@pytest.fixture(autouse=True)
def _empty_response_cache():
    """Each test starts with no cached responses and no documents held, whole or deflated (data sets are
    rolled back to the same data version, and tests may change rows in ways no production path does:
    QuerySet.update), no data state leased (a flush ends a test's data without the writers' turn), and no
    request counted."""
    end_lease(connection)
    caches[settings.RESPONSE_CACHE_ALIAS].clear()
    caches[settings.THROTTLE_CACHE_ALIAS].clear()
    caches[settings.THROTTLE_LOCAL_CACHE_ALIAS].clear()
    documents_held.clear()
    parts_held.clear()


@pytest.fixture(scope="session")
def shared_directory(tmp_path_factory, worker_id):
    """A directory that every xdist worker of the run shares: for what is built once, and for locks."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent  # the workers' base directories share this parent


@pytest.fixture(scope="session")
def sqlite_databases(shared_directory):
    """For servers run in subprocesses (tests/instances.py): a migrated empty SQLite database and one with
    the fixtures imported, built once per run for every xdist worker; copy them, never change them."""
    from .instances import shared_databases

    return shared_databases(shared_directory)
