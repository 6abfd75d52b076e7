"""A server the tests or the benchmark start ends with the process that started it (bench/servers.py), even
when that process is killed: pytest-timeout ends a hung test's worker so."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.cpu import status_field

from .conftest import ROOT

# Starts a "server" (a process that would sleep for a minute), says its pid, and waits to be killed.
STARTER = """
import subprocess, sys, time
from bench.servers import ending_with_this_process
server = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=ending_with_this_process()
)
print(server.pid, flush=True)
time.sleep(60)
"""


def is_running(pid):
    """Whether `pid` runs (a process that ended but is not reaped yet does not)."""
    try:
        state = status_field(Path(f"/proc/{pid}/status").read_text(), "State")
    except FileNotFoundError:
        return False
    return not state.startswith("Z")


@pytest.mark.skipif(sys.platform != "linux", reason="the parent's death signal is Linux's")
def test_a_server_ends_when_the_process_that_started_it_is_killed():
    starter = subprocess.Popen([sys.executable, "-c", STARTER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    server = int(starter.stdout.readline())
    assert is_running(server)
    starter.kill()
    starter.wait()
    starter.stdout.close()
    deadline = time.monotonic() + 10
    while is_running(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not is_running(server)
