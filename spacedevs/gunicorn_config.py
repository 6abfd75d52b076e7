"""gunicorn settings, for bin/serve and the Docker image: `gunicorn -c python:spacedevs.gunicorn_config`."""

import ctypes
import gc
import importlib.util
import os
import runpy
import sys

from gunicorn.glogging import Logger
from gunicorn.util import parse_address

from spacedevs.log_format import JSONFormatter
from spacedevs.refused import RefusedSetting, checked, number, read_env_file

# The settings below come from the environment or the `.env` file beside manage.py, as Django's do
# (settings.py): read here too, since gunicorn's master keeps no Django settings (django_settings()).
read_env_file()


def one_line(read, *arguments):
    """What `read(*arguments)` gives, where a value refused (RefusedSetting) stops gunicorn's start with its
    one line: gunicorn prints a traceback for any exception its configuration raises, but not for
    SystemExit."""
    try:
        return read(*arguments)
    except RefusedSetting as refused:
        sys.exit(str(refused))


def django_settings(*names):
    """The values of Django's settings `names`, which are run once in gunicorn's master and not kept (each
    worker reads its own): a value they refuse stops the start here, in one line, before any worker boots.
    Refused in the workers, it was printed by each of them, and gunicorn, halting while others still
    booted, added its own traceback."""
    settings = importlib.util.find_spec(os.environ.get("DJANGO_SETTINGS_MODULE", "spacedevs.settings"))
    # As a file: a process that has the module (a test's) keeps its own.
    values = one_line(runpy.run_path, settings.origin)
    return [values[name] for name in names]


def is_address(text):
    """gunicorn listens on no empty address, and never exits; spaces it would take for part of the host; a
    port it cannot read, or past 65535, failed in a traceback; and a descriptor (`fd://3`), which the health
    probe cannot ask, was a traceback unless open."""
    if text.split() != [text]:
        return False
    try:
        address = parse_address(text)
    except RuntimeError:  # gunicorn's word for a port that is no number
        return False
    return isinstance(address, str) or (isinstance(address, tuple) and 0 <= address[1] <= 65535)


# Taken from the settings as the app's lines take them (settings.py checked them).
LOG_LEVEL, LOG_FORMAT = django_settings("LOG_LEVEL", "LOG_FORMAT")
wsgi_app = "spacedevs.wsgi"
ADDRESS = "an address like 127.0.0.1:8000 or unix:/run/spacedevs.sock"
bind = one_line(checked, "BIND", os.environ.get("BIND", "127.0.0.1:8000"), is_address, ADDRESS)
workers = one_line(number, "WEB_CONCURRENCY", 2, lambda count: count >= 1, "1 or more")
# Threads per worker (gthread) for idle keep-alive connections that the proxy in front passes through
# (gunicorn never faces clients: a slow one holds a worker or thread, README: Deploying); the query
# deadline's timer then gives way to the server's statement_timeout (the data state's read and a page's
# documents keep their own deadline: spacedevs/driver.py).
threads = one_line(number, "GUNICORN_THREADS", 1, lambda count: count >= 1, "1 or more")
loglevel = LOG_LEVEL.lower()
# No `timeout`: gunicorn's 30 s, inside which settings.py keeps the database's deadlines (WORKER_TIMEOUT).
# No access log: spacedevs.request_log logs each request, with its id and duration.
# The scheme and address of a request are Django's to judge (TRUST_X_FORWARDED_PROTO, TRUSTED_PROXIES):
# gunicorn believes no forwarded header, from any address (by default it believes loopback's).
forwarded_allow_ips = ""
# Nothing here uses gunicornc, and the control socket's one default path would be shared by every instance.
control_socket_disable = True
# gunicorn's longest request line (4,094 by default), so that the API's own check of long parameters answers
# (spacedevs/api/parameters.py: LONGEST_REQUEST_LINE, which the page links are held to).
limit_request_line = 8190


class JSONLogger(Logger):
    """gunicorn's logger, writing its own lines (a worker booting, timing out, killed) as JSON, as the app
    writes its own. (A `logconfig_dict` would do it too, but it also turns gunicorn's access log on.)"""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JSONFormatter())


if LOG_FORMAT == "json":
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


def pass_paths_whole():
    """gunicorn takes SCRIPT_NAME out of each request's path when its environment has one, and answers a path
    outside it with an HTML 500; the app takes it out instead (spacedevs/script_name.py), having read it as
    it loaded (settings.py)."""
    os.environ.pop("SCRIPT_NAME", None)


def post_worker_init(worker):
    pass_paths_whole()
    tune_garbage_collector()
    tune_allocator(worker.log)
