"""gunicorn settings, for bin/serve and the Docker image: `gunicorn -c python:spacedevs.gunicorn_config`."""

import ctypes
import gc
import importlib.util
import os
import runpy
import sys
from pathlib import Path

import environ
from gunicorn.glogging import Logger

from spacedevs.log_format import JSONFormatter
from spacedevs.refused import RefusedSetting

# The settings below come from the environment or the `.env` file beside manage.py, as Django's do
# (settings.py): read here too, since gunicorn's master keeps no Django settings (check_settings()).
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)


def refuse(name, expected, value):
    """Stops gunicorn's start with one line naming the variable `name` (as settings.py's checked() does):
    gunicorn prints a traceback for any exception its configuration raises, but not for SystemExit."""
    sys.exit(f"{name} must be {expected}, not {value!r}")


def check_settings():
    """Django's settings, read once in gunicorn's master and not kept (each worker reads its own): a value
    they refuse stops the start here, in one line, before any worker boots. Refused in the workers, it was
    printed by each of them, and gunicorn, halting while others still booted, added its own traceback."""
    settings = importlib.util.find_spec(os.environ.get("DJANGO_SETTINGS_MODULE", "spacedevs.settings"))
    try:
        runpy.run_path(settings.origin)  # as a file: a process that has the module (a test's) keeps its own
    except RefusedSetting as refused:
        sys.exit(str(refused))


def count(name, default):
    """The whole number, 1 or more, that the variable `name` holds; `default` when it is not set."""
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        refuse(name, "a whole number, 1 or more", text)
    return value


def address(name, default):
    """The address the variable `name` holds: gunicorn listens on none for an empty one, and never exits."""
    text = os.environ.get(name, default)
    if text.split() != [text]:  # empty, or with spaces gunicorn would take for part of the host
        refuse(name, "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock", text)
    return text


check_settings()
wsgi_app = "spacedevs.wsgi"
bind = address("BIND", "127.0.0.1:8000")
workers = count("WEB_CONCURRENCY", 2)
# Threads per worker (gthread) for clients that hold idle connections open, as browsers do without a
# buffering proxy in front; the query deadline's timer then gives way to the server's statement_timeout
# (the data state's read and a page's documents keep their own deadline: spacedevs/driver.py).
threads = count("GUNICORN_THREADS", 1)
loglevel = os.environ.get("LOG_LEVEL", "info").lower()  # as the app's lines: settings.py has checked it
# No `timeout`: gunicorn's 30 s, inside which settings.py keeps the database's deadlines (WORKER_TIMEOUT).
# No access log: spacedevs.request_log logs each request, with its id and duration.
# The scheme and address of a request are Django's to judge (TRUST_X_FORWARDED_PROTO, TRUSTED_PROXIES):
# gunicorn believes no forwarded header, from any address (by default it believes loopback's).
forwarded_allow_ips = ""
# Nothing here uses gunicornc, and the control socket's one default path would be shared by every instance.
control_socket_disable = True
# gunicorn's longest request line (4,094 by default), so that the API's own check of long parameters answers.
limit_request_line = 8190


class JSONLogger(Logger):
    """gunicorn's logger, writing its own lines (a worker booting, timing out, killed) as JSON, as the app
    writes its own. (A `logconfig_dict` would do it too, but it also turns gunicorn's access log on.)"""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JSONFormatter())


if os.environ.get("LOG_FORMAT") == "json":  # settings.py refuses any other value than json and text
    logger_class = JSONLogger


def tune_garbage_collector():
    """The loaded app lives as long as the worker: keep its objects out of the collector's scans. (Collecting
    less often, as before stored documents, let a request's cyclic garbage, its half-megabyte bodies
    among it, pile up: 340 MB of worker against 110 MB, and fewer requests a second.)"""
    gc.collect()
    gc.freeze()


# glibc's mallopt() parameters.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
# Buffers up to this size come from the heap: a page of 100 detailed documents makes several of 570 KB (the
# documents joined, the page rendered, the response kept).
HEAP_BUFFERS_UP_TO = 4 * 1024 * 1024
# Free memory kept at the top of the heap for the next request's buffers, rather than handed back.
KEPT_FREE = 8 * 1024 * 1024


def is_glibc():
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):  # not a name this C library knows (musl, macOS)
        return False


def tune_allocator(log):
    """glibc maps a buffer above its threshold (adjusted as it goes, but not past a page's few sizes) afresh,
    and hands the top of its heap back once more than twice that is free: a worker serving uncached pages
    of 100 took every one of their buffers' pages in again, zeroed, on each request (50 page faults, a
    tenth of the request's CPU). With the thresholds set, the heap keeps them. Elsewhere than glibc (musl,
    macOS), the allocator is left as it is; a threshold glibc refuses is logged to `log`."""
    if not is_glibc():
        return
    mallopt = ctypes.CDLL(None).mallopt
    taken = [mallopt(M_MMAP_THRESHOLD, HEAP_BUFFERS_UP_TO), mallopt(M_TRIM_THRESHOLD, KEPT_FREE)]
    if not all(taken):
        log.warning("glibc refused the allocator's thresholds: a page's buffers are mapped afresh each time")


def post_worker_init(worker):
    tune_garbage_collector()
    tune_allocator(worker.log)
