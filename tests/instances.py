"""This project run in subprocesses, each over its own SQLite database, for tests that need real servers:
an upstream for sync_ll2, several workers sharing one cache."""

import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import httpx

from bench.servers import ending_with_this_process, free_port
from ingest.upstream import tls_context
from spacedevs.changes import data_models

from .conftest import ROOT, fixture_files


def http_client(**kwargs):
    """An httpx client for the servers the tests start, with the process's one TLS context: httpx makes a new
    one for every client, and for every `httpx.get`, loading the certificates (20 ms) for plain HTTP."""
    return httpx.Client(verify=tls_context(), **kwargs)


def http_get(url, **kwargs):
    """One GET on a client of its own, as `httpx.get` makes one, but through http_client."""
    with http_client() as client:
        return client.get(url, **kwargs)


class Instance:
    """This project run in subprocesses over its own SQLite file: `manage(...)` runs a command on it, and
    `serve()` starts gunicorn as production does."""

    def __init__(self, directory, **env):
        self.directory = directory
        self.database = directory / "db.sqlite3"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "SECRET_KEY": "test-instance",
            "ALLOWED_HOSTS": "127.0.0.1",
            **env,
        }
        self.server = None

    @classmethod
    def copy_of(cls, database, directory, **env):
        directory.mkdir(parents=True, exist_ok=True)
        instance = cls(directory, **env)
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
            preexec_fn=ending_with_this_process(),
        )

    def serve(self):
        """gunicorn started and answering."""
        return self.launch().ready()

    def launch(self):
        """gunicorn started (the server's start overlaps with the caller's own work until `ready()`); what it
        writes is kept in the instance's directory (`output`)."""
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}/2.3.0"
        env = {"WEB_CONCURRENCY": "1", **self.env, "BIND": f"127.0.0.1:{port}"}
        with self.output("stdout").open("ab") as stdout, self.output("stderr").open("ab") as stderr:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "python:spacedevs.gunicorn_config"],
                cwd=ROOT,
                env=env,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=ending_with_this_process(),
            )
        return self

    def output(self, stream):
        """The file the server's `stream` (stdout or stderr) goes to."""
        return self.directory / f"server.{stream}"

    def ready(self):
        """This instance, once its server answers."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if http_get(f"{self.base_url}/events/?limit=1").status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.02)
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


def shared_databases(directory):
    """A migrated empty SQLite database and one with the fixtures imported, built in `directory` by the
    first caller (of every xdist worker: they share the directory) while the others wait for it."""
    empty, imported = directory / "empty.sqlite3", directory / "imported.sqlite3"
    with open(directory / "databases.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not imported.exists():
            builder = Instance(directory / "build")
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
            shutil.copyfile(builder.database, imported)
    return {"empty": empty, "imported": imported}
