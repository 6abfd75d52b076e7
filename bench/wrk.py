"""wrk over loopback: one bounded wrk run per measurement, its figures reported as JSON by a Lua `done()`.

Two ways to ask:

* `unique=True`: every request is a different URL (`&bench=<run>-<thread>-<n>` appended, a parameter the API
  ignores but that changes its cache key), so the server computes every response;
* `unique=False`: wrk's static request, the same URL every time.
"""

import json
import subprocess
import tempfile
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.quiet import wait_until_quiet

UNIQUE_PARAMETER = "bench"
LATENCY_CONNECTIONS = (1, 1)  # threads, connections
THROUGHPUT_CONNECTIONS = (2, 8)
REQUEST_TIMEOUT_SECONDS = 10

_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %.1f, "p95_us": %.1f, '
      .. '"p99_us": %.1f, "mean_us": %.1f, "max_us": %.1f, "errors": {"connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

_UNIQUE = f"""
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local prefix
local counter = 0
init = function(args)
  local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
  prefix = wrk.path .. separator .. "{UNIQUE_PARAMETER}=" .. args[1] .. "-" .. thread_number .. "-"
end

request = function()
  counter = counter + 1
  return wrk.format(nil, prefix .. counter)
end
"""


@dataclass
class Measurement:
    """One wrk run: latency percentiles (ms), requests per second, and the requests that failed."""

    threads: int
    connections: int
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int
    background_cpus: float  # other work on the machine just before the run (bench/quiet.py)
    waited_seconds: float  # for the machine to be quiet

    def as_dict(self):
        return asdict(self)


class Wrk:
    """Runs wrk for `duration_seconds` per measurement, sending `headers` with every request, with the Lua
    scripts written once into a private temporary directory. Before each run it waits up to
    `quiet_timeout_seconds` for the machine to be quiet."""

    def __init__(self, duration_seconds, headers, quiet_timeout_seconds):
        self.duration_seconds = duration_seconds
        self.headers = dict(headers)
        self.quiet_timeout_seconds = quiet_timeout_seconds
        self._directory = tempfile.TemporaryDirectory(prefix="spacedevs-wrk-")
        folder = Path(self._directory.name)
        self._scripts = {False: folder / "same.lua", True: folder / "unique.lua"}
        self._scripts[False].write_text(_REPORT)
        self._scripts[True].write_text(_UNIQUE + _REPORT)

    def close(self):
        self._directory.cleanup()

    def latency(self, url, *, unique, headers=None):
        """One connection, one request at a time."""
        return self._run(url, LATENCY_CONNECTIONS, unique=unique, headers=headers)

    def throughput(self, url, *, unique, headers=None):
        """Eight connections over two wrk threads."""
        return self._run(url, THROUGHPUT_CONNECTIONS, unique=unique, headers=headers)

    def _run(self, url, shape, *, unique, headers):
        threads, connections = shape
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{self.duration_seconds}s",
            "--timeout",
            f"{REQUEST_TIMEOUT_SECONDS}s",
            "-s",
            str(self._scripts[unique]),
        ]
        for name, value in {**self.headers, **(headers or {})}.items():
            command += ["-H", f"{name}: {value}"]
        # A fresh run id: no URL of this run was asked before, so none is cached.
        command += [url, "--", uuid.uuid4().hex[:12]]
        background, waited = wait_until_quiet(self.quiet_timeout_seconds)
        finished = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=self.duration_seconds + 2 * REQUEST_TIMEOUT_SECONDS + 30,
            check=True,
        )
        return parse_report(finished.stdout, threads, connections, background=background, waited=waited)


def parse_report(output, threads, connections, *, background, waited):
    """The Measurement in wrk's output (the line our `done()` wrote)."""
    for line in output.splitlines():
        if line.startswith("BENCH_RESULT "):
            figures = json.loads(line.removeprefix("BENCH_RESULT "))
            break
    else:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    seconds = figures["duration_us"] / 1e6
    return Measurement(
        threads=threads,
        connections=connections,
        requests=figures["requests"],
        seconds=round(seconds, 3),
        requests_per_second=round(figures["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        mean_ms=round(figures["mean_us"] / 1000, 3),
        max_ms=figures["max_us"] / 1000,
        errors=sum(figures["errors"].values()),
        background_cpus=background,
        waited_seconds=waited,
    )


def wrk_version():
    """wrk's version, from the first line of `-v` (which exits with status 1)."""
    finished = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10, check=False)
    text = (finished.stdout or finished.stderr).strip()
    return text.splitlines()[0].split(" Copyright")[0] if text else "wrk"
