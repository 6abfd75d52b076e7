"""The benchmark's CPU time per request (bench/cpu.py): the processes' own time, read from /proc."""

import os
import subprocess
import sys
import time

import pytest

from bench.cpu import CpuMeter, children, cpu_seconds

# Spends `seconds` of its own CPU, says so, then waits to be killed.
BUSY_CHILD = """
import sys, time
until = time.process_time() + float(sys.argv[1])
while time.process_time() < until:
    pass
print("done", flush=True)
time.sleep(60)
"""


def spend(seconds):
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


def test_a_process_time_is_what_it_spent():
    before = cpu_seconds(os.getpid())
    spend(0.3)
    assert cpu_seconds(os.getpid()) - before == pytest.approx(0.3, abs=0.05)


def test_a_process_that_has_ended_has_spent_nothing():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert cpu_seconds(child.pid) == 0.0


def test_the_meter_counts_the_processes_found_at_each_reading():
    found = []  # the processes the meter is to read: only the child below (this worker may have others)
    meter = CpuMeter(lambda: found)
    assert meter.spent(meter.reading(), meter.reading()) is None  # nothing to measure: not zero
    before = meter.reading()
    child = subprocess.Popen([sys.executable, "-c", BUSY_CHILD, "0.4"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "done\n"
        assert child.pid in children(os.getpid())
        found.append(child.pid)
        # Found after the first reading: all of its time counts, its start-up's included.
        assert meter.spent(before, meter.reading()) == pytest.approx(0.4, abs=0.3)
        settled = meter.reading()
        assert meter.spent(settled, meter.reading()) == pytest.approx(0.0, abs=0.02)
    finally:
        child.kill()
        child.wait()
