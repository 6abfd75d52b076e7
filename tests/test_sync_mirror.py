"""sync_ll2 against a real upstream: another instance of this server, started here with its own database."""

import copy
import datetime
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest
from django.core.management import call_command

from spacedevs.changes import data_models

from .conftest import ROOT, fixture_events, fixture_files

ROUTES = ["events/", "events/upcoming/", "events/previous/"]
FAST = ["--rate", "1000/1", "--no-progress"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Instance:
    """This project run in subprocesses over its own SQLite file: `manage(...)` runs a command on it, and
    `serve()` starts gunicorn as production does."""

    def __init__(self, directory):
        self.directory = directory
        self.database = directory / "db.sqlite3"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "SECRET_KEY": "test-instance",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        self.server = None

    @classmethod
    def copy_of(cls, database, directory):
        directory.mkdir(parents=True, exist_ok=True)
        instance = cls(directory)
        shutil.copyfile(database, instance.database)
        return instance

    def manage(self, *args, check=True, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *map(str, args)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            **kwargs,
        )

    def start(self, *args):
        return subprocess.Popen(
            [sys.executable, "manage.py", *map(str, args)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def serve(self):
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}/2.3.0"
        env = {**self.env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:spacedevs.gunicorn_config"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/events/?limit=1").status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the upstream instance did not start")

    def stop(self):
        if self.server is not None:
            self.server.terminate()
            self.server.wait(10)

    def change(self, imported, deleted):
        """Import the events `imported` and delete the events with ids `deleted`, in one process."""
        path = self.directory / f"import-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(imported))
        self.manage(
            "shell",
            "-c",
            "from django.core.management import call_command; from events.models import Event; "
            f"call_command('import_ll2', {str(path)!r}); "
            f"Event.objects.filter(pk__in={list(deleted)!r}).delete()",
        )

    def dump(self):
        """Every row of every table of served data, leaving out surrogate ids that only number rows."""
        tables = {}
        with sqlite3.connect(self.database) as database:
            for model in data_models():
                columns = [
                    field.column
                    for field in model._meta.concrete_fields
                    if not (field.primary_key and field.auto_created)
                ]
                query = f"SELECT {', '.join(columns)} FROM {model._meta.db_table}"
                tables[model._meta.db_table] = sorted(map(repr, database.execute(query)))
        return tables


@pytest.fixture(scope="session")
def databases(tmp_path_factory, worker_id):
    """A migrated empty SQLite database and the upstream's (the fixtures imported): built once per run and
    shared by every xdist worker, then copied for each instance (building them takes longer than a test)."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the workers' base directories share this parent
    empty, upstream = shared / "empty.sqlite3", shared / "upstream.sqlite3"
    with open(shared / "sync-databases.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds them; the others wait for it
        if not upstream.exists():
            builder = Instance(shared / "build")
            builder.directory.mkdir()
            # One process (each start of Django costs a second): migrate, keep a copy, import.
            files = ", ".join(repr(str(path)) for path in fixture_files())
            builder.manage(
                "shell",
                "-c",
                f"import shutil; from django.core.management import call_command as run; "
                f"run('migrate', verbosity=0); shutil.copyfile({str(builder.database)!r}, {str(empty)!r}); "
                f"run('import_ll2', {files}, '--no-progress')",
            )
            shutil.copyfile(builder.database, upstream)
    return {"empty": empty, "upstream": upstream}


@pytest.fixture(scope="module")
def upstream(tmp_path_factory, databases):
    instance = Instance.copy_of(databases["upstream"], tmp_path_factory.mktemp("upstream"))
    yield instance.serve()
    instance.stop()


@pytest.fixture
def downstream(tmp_path, databases):
    def make(name):
        return Instance.copy_of(databases["empty"], tmp_path / name)

    return make


def sync(*args):
    return call_command("sync_ll2", *map(str, args), *FAST)


def hostless(page):
    """`page` with the scheme and host of every link removed: the one thing allowed to differ."""
    return json.loads(re.sub(r'"https?://(testserver|127\.0\.0\.1:\d+)/', '"/', json.dumps(page)))


def assert_same_routes(client, upstream):
    """Every event route, in every mode, every page: the same JSON here as upstream (hosts aside)."""
    for route in ROUTES:
        for mode in ("list", "normal", "detailed"):
            url = f"/2.3.0/{route}?mode={mode}&limit=100"
            while url:
                local = client.get(url, HTTP_ACCEPT="application/json").json()
                remote = httpx.get(f"{upstream.base_url.removesuffix('/2.3.0')}{url}").json()
                assert hostless(local) == hostless(remote), url
                url = local["next"] and "/" + local["next"].split("/", 3)[3]


@pytest.mark.django_db
def test_the_mirror_follows_its_upstream(upstream, client, capsys):
    sync("--base-url", upstream.base_url, "--since", "all")
    assert "2 pages: 114 created, 0 updated, 0 unchanged, 0 pruned" in capsys.readouterr().out
    assert_same_routes(client, upstream)

    events = fixture_events()
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    stamp = now.isoformat().replace("+00:00", "Z")
    moved = copy.deepcopy(events[352]) | {"date": "2031-01-02T03:04:05Z", "last_updated": stamp}
    new = copy.deepcopy(events[128]) | {"id": 99001, "slug": "a-new-event-99001", "last_updated": stamp}
    upstream.change(imported=[moved, new], deleted=[474])

    sync("--base-url", upstream.base_url, "--prune")
    # The newest event of the first sync comes again (it shares the checkpoint's last_updated), unchanged.
    assert "1 page: 1 created, 1 updated, 1 unchanged, 1 pruned" in capsys.readouterr().out
    assert_same_routes(client, upstream)

    sync("--base-url", upstream.base_url)
    assert "1 page: 0 created, 0 updated, 2 unchanged, 0 pruned" in capsys.readouterr().out


def event_count(instance):
    with sqlite3.connect(instance.database) as database:
        return database.execute("SELECT count(*) FROM events_event").fetchone()[0]


def committed_pages(instance):
    return event_count(instance) // 100


def test_an_interrupted_sync_resumes_to_the_same_database(upstream, downstream):
    whole = downstream("whole")
    # The uninterrupted run, alongside the interrupted ones (their own databases; the same upstream).
    uninterrupted = whole.start("sync_ll2", "--base-url", upstream.base_url, "--since", "all", *FAST)
    interrupted = downstream("interrupted")
    # One call a second: slow enough to be killed during the first page and between the pages.
    for delay in (0.9, 1.6):
        process = interrupted.start(
            "sync_ll2", "--base-url", upstream.base_url, "--rate", "1/1", "--no-progress"
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert committed_pages(interrupted) in (0, 1)  # whole pages only
    interrupted.manage("sync_ll2", "--base-url", upstream.base_url, *FAST)
    assert uninterrupted.wait(30) == 0
    assert interrupted.dump() == whole.dump()
    assert len(interrupted.dump()["events_event"]) == 114


def test_a_second_sync_says_another_is_running(upstream, downstream):
    instance = downstream("busy")
    slow = instance.start("sync_ll2", "--base-url", upstream.base_url, "--rate", "1/30", "--no-progress")
    try:
        deadline = time.monotonic() + 20
        while committed_pages(instance) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        second = instance.manage("sync_ll2", "--base-url", upstream.base_url, *FAST, check=False)
        assert second.returncode == 1
        assert second.stderr.strip() == "CommandError: another sync_ll2 is running on this database"
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait()
    status = instance.manage("sync_ll2", "--status").stdout
    assert status.startswith(f"{upstream.base_url}\n  last_updated: ")
    assert "  last error:   -" in status


def test_watch_polls_until_sigterm(upstream, downstream):
    instance = downstream("watch")
    process = instance.start("sync_ll2", "--base-url", upstream.base_url, "--watch", "60", *FAST)
    deadline = time.monotonic() + 20
    while event_count(instance) < 114 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)  # the first pass's summary, then the wait for the next one
    process.send_signal(signal.SIGTERM)
    stdout, _stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert stdout == f"{upstream.base_url}: 2 pages: 114 created, 0 updated, 0 unchanged, 0 pruned\n"
