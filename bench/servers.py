"""gunicorn started exactly as production starts it, on a free loopback port, and stopped for certain.

`python -m gunicorn --config python:spacedevs.gunicorn_config` with the environment of the README's
Configuration (BIND, DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS; WEB_CONCURRENCY left to its default), in its
own process group, so that stopping it (also on Ctrl-C) stops every worker.
"""

import contextlib
import ctypes
import functools
import http.client
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cpu import children, status_field

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20
# Set by gunicorn per connection, not part of the response the floor repeats.
TRANSPORT_HEADERS = {"date", "server", "connection", "transfer-encoding", "keep-alive"}


# Linux's prctl(), looked up before any fork; None elsewhere.
PRCTL = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
PR_SET_PDEATHSIG = 1


def _end_with(parent):
    """Run in the child between fork and exec: SIGTERM when `parent` ends (or now, if it already has)."""
    if PRCTL is not None:
        PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)


def ending_with_this_process():
    """A `preexec_fn` for a server this process starts: the kernel ends it (SIGTERM) when this process ends,
    however that happens. pytest-timeout ends a hung test's worker at once, and a benchmark may be killed:
    neither leaves a server running. Only Linux does this."""
    return functools.partial(_end_with, os.getpid())


def free_port():
    """A TCP port nobody listens on at 127.0.0.1 (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port, path, headers=None, timeout=60):
    """(status, [(header, value)…], body bytes as sent: not decompressed) of one GET."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


class Gunicorn:
    """A gunicorn master and its workers; a context manager that always stops them."""

    def __init__(self, database_url, *, app=None, extra_env=None, log_path=None):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "BIND": f"127.0.0.1:{self.port}",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench",
            "ALLOWED_HOSTS": "127.0.0.1",
            **(extra_env or {}),
        }
        env.pop("WEB_CONCURRENCY", None)  # production's default
        command = [sys.executable, "-m", "gunicorn", "--config", "python:spacedevs.gunicorn_config"]
        if app:
            command.append(app)
        self._log = open(log_path or os.devnull, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=ending_with_this_process(),
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def wait_until_answering(self, path="/2.3.0/"):
        """Returns once `path` answers (anything below 500); raises if gunicorn exits or takes too long."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}")
            try:
                status, _headers, _body = fetch(self.port, path, timeout=5)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer {path} within {START_TIMEOUT_SECONDS} s")

    def worker_pids(self):
        """The master's children: its workers."""
        return children(self.process.pid)

    def worker_rss_mb(self):
        """{worker pid: resident set size in MB}."""
        sizes = {}
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            kilobytes = status_field(status, "VmRSS")
            if kilobytes:
                sizes[pid] = round(int(kilobytes.split()[0]) / 1024, 1)
        return sizes

    def stop(self):
        """SIGTERM to the whole group (gunicorn's graceful stop), SIGKILL if it does not end in time."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        _signal_group(self.process.pid, signal.SIGKILL)  # a worker left behind, if any
        self._log.close()


class FloorServer(Gunicorn):
    """bench/floor_app.py under the production gunicorn settings, serving `responses` from memory."""

    def __init__(self, database_url, responses, *, log_path=None):
        self._responses_file = tempfile.NamedTemporaryFile(prefix="spacedevs-floor-", suffix=".pickle")  # noqa: SIM115
        pickle.dump(responses, self._responses_file)
        self._responses_file.flush()
        super().__init__(
            database_url,
            app="bench.floor_app:application",
            extra_env={"BENCH_FLOOR_RESPONSES": self._responses_file.name},
            log_path=log_path,
        )

    def stop(self):
        super().stop()
        self._responses_file.close()


def floor_response(status, headers, body):
    """The (status line, headers, body) the floor app repeats, from a response the API sent."""
    kept = [(name, value) for name, value in headers if name.lower() not in TRANSPORT_HEADERS]
    return f"{status} {http.client.responses.get(status, '')}".strip(), kept, body


def _signal_group(pid, signum):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
