"""Settings refuse to start unsafely (no public SECRET_KEY, no test host in production), and keep
database connections as configured."""

import contextlib
import io
import os
import runpy
import subprocess
import sys
from subprocess import CompletedProcess
from types import SimpleNamespace
from unittest import mock

import pytest

from spacedevs.refused import RefusedSetting

from .conftest import ROOT

SETTINGS = ROOT / "spacedevs" / "settings.py"


def start(name, **environment):
    """The settings as a process with `environment` would read them (settings.py run afresh in this one, its
    environment as it was after), printing the setting `name` (`settings.` before any other): a finished
    process's return code, output and error output (a refused value's line, as manage.py prints it)."""
    env = {key: value for key, value in os.environ.items() if key not in ("ALLOWED_HOSTS", "DEBUG")}
    output = io.StringIO()
    with mock.patch.dict(os.environ, env | environment, clear=True):
        try:
            settings = SimpleNamespace(**runpy.run_path(str(SETTINGS)))
        except RefusedSetting as refused:
            return CompletedProcess([], 1, "", f"{refused}\n")
    with contextlib.redirect_stdout(output):
        eval(f"print(settings.{name})", {"settings": settings})
    return CompletedProcess([], 0, output.getvalue(), "")


def test_no_secret_key_without_debug_is_a_clear_start_up_error():
    result = start("SECRET_KEY", SECRET_KEY="", DEBUG="false")
    assert result.returncode != 0
    assert "Set SECRET_KEY to a long random string" in result.stderr


def test_debug_without_a_secret_key_gets_a_random_one():
    first, second = (start("SECRET_KEY", SECRET_KEY="", DEBUG="true") for _ in range(2))
    assert first.returncode == second.returncode == 0, first.stderr
    assert len(first.stdout.strip()) >= 50
    assert first.stdout != second.stdout


def test_production_hosts_do_not_include_the_test_client():
    result = start("ALLOWED_HOSTS", SECRET_KEY="x" * 50)
    assert result.stdout.strip() == "['localhost', '127.0.0.1', '[::1]']", result.stderr


def test_gzip_levels_are_isa_ls():
    result = start("GZIP_LEVEL", SECRET_KEY="x" * 50, GZIP_LEVEL="6")
    assert result.returncode != 0
    assert "GZIP_LEVEL must be a whole number, 0 to 3 (ISA-L's levels), not '6'" in result.stderr


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("DOCUMENT_CACHE_BYTES", 8 * 2**20),
        ("COMPRESSED_PARTS_BYTES", 2 * 2**20),
        ("CALENDAR_EVENTS_BYTES", 2**20),
    ],
)
def test_the_bytes_held_per_process_are_zero_or_more(name, default):
    assert start(name, SECRET_KEY="x" * 50).stdout.strip() == str(default)
    result = start(name, SECRET_KEY="x" * 50, **{name: "-1"})
    assert result.returncode != 0
    assert f"{name} must be a whole number, 0 (none) or more, not '-1'" in result.stderr


def test_workers_keep_their_database_connection_unless_told_otherwise():
    # Without Django's health check (its default: off): the data state's read replaces a dropped connection
    # (test_data_state).
    database = "settings.DATABASES['default']"
    show = f"DATABASES['default']['CONN_MAX_AGE'], {database}.get('CONN_HEALTH_CHECKS', False)"
    url = "postgres://user@localhost/spacedevs"
    kept = start(show, SECRET_KEY="x" * 50, DATABASE_URL=url)
    assert kept.stdout.strip() == "60 False", kept.stderr
    per_request = start(show, SECRET_KEY="x" * 50, DATABASE_URL=url, CONN_MAX_AGE="0")
    assert per_request.stdout.strip() == "0 False", per_request.stderr
    in_the_url = start(show, SECRET_KEY="x" * 50, DATABASE_URL=f"{url}?conn_max_age=5", CONN_MAX_AGE="0")
    assert in_the_url.stdout.strip() == "5 False", in_the_url.stderr


def test_a_placeholder_secret_key_is_refused_outside_debug():
    placeholder = next(
        line.split("=", 1)[1]
        for line in (ROOT / "production.env").read_text().splitlines()
        if line.startswith("SECRET_KEY=")
    )
    result = start("SECRET_KEY", SECRET_KEY=placeholder, DEBUG="false")
    assert result.returncode != 0
    assert result.stderr == "SECRET_KEY is a placeholder (django-insecure-…): set a long random string.\n"


def test_a_rate_as_drf_reads_it_is_accepted():
    result = start("ADMIN_LOGIN_RATE", SECRET_KEY="x" * 50, ADMIN_LOGIN_RATE="10/hr")
    assert result.stdout.strip() == "10/hr", result.stderr


@pytest.mark.parametrize(
    ("level", "djangos", "requests"),
    [("error", "ERROR", "ERROR"), ("critical", "CRITICAL", "CRITICAL"), ("debug", "DEBUG", "ERROR")],
)
def test_log_level_holds_for_djangos_own_loggers(level, djangos, requests):
    # Django's defaults log its warnings (a refused CSRF token) at INFO and above whatever LOG_LEVEL says.
    result = start('LOGGING["loggers"]', SECRET_KEY="x" * 50, LOG_LEVEL=level)
    loggers = eval(result.stdout)
    assert (loggers["django"], loggers["django.request"]) == (
        {"level": djangos, "handlers": []},
        {"level": requests},
    )


def test_a_server_without_redis_never_imports_its_client():
    """redis-py and its asyncio half cost every process's start about a tenth of a second."""
    loaded = "import sys, spacedevs.wsgi; print(sorted(name for name in sys.modules if 'redis' in name))"
    # Empty rather than absent: a developer's .env may set it, and is read where the environment has none.
    env = os.environ | {"REDIS_URL": "", "DJANGO_SETTINGS_MODULE": "spacedevs.settings", "SECRET_KEY": "x"}
    served = subprocess.run(
        [sys.executable, "-c", loaded], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    # Its last line: the log's (WhiteNoise's missing static folder) go to stdout too.
    assert (served.returncode, served.stdout.splitlines()[-1]) == (0, "[]"), served.stderr


def test_the_default_database_passes_the_system_checks(tmp_path):
    """SQLite, the default, builds the indexes that carry columns without them: no warning at each migrate."""
    command = [sys.executable, "manage.py", "check", "--database", "default"]
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SECRET_KEY": "x"}
    checked = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (checked.returncode, checked.stderr, checked.stdout) == (
        0,
        "",
        "System check identified no issues (1 silenced).\n",
    )
