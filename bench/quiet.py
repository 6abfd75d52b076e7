"""A shared machine: wait (a bounded time) for other work to stop before each measurement, and say how busy
the machine was when it started."""

import os
import time
from pathlib import Path

SAMPLE_SECONDS = 0.5
QUIET_CPUS = 0.2  # at most a fifth of a core busy with anything else


def cpu_times():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user time
    return total - idle, total


def busy_cpus(seconds=SAMPLE_SECONDS, cpus=None):
    """How many CPUs' worth of work ran during the next `seconds`."""
    busy_before, total_before = cpu_times()
    time.sleep(seconds)
    busy_after, total_after = cpu_times()
    share = (busy_after - busy_before) / max(1, total_after - total_before)
    return share * (cpus or os.cpu_count() or 1)


def wait_until_quiet(timeout_seconds):
    """Sample until the machine is quiet or `timeout_seconds` have passed; return (busy CPUs in the last
    sample, seconds waited)."""
    started = time.monotonic()
    while True:
        busy = busy_cpus()
        waited = time.monotonic() - started
        if busy <= QUIET_CPUS or waited >= timeout_seconds:
            return round(busy, 2), round(waited, 1)
