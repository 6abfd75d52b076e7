"""The CPU a request costs: the user and system time of the processes serving it (gunicorn's workers,
PostgreSQL's), read from /proc over a measurement and divided by its requests.

Requests per second say how fast requests were served, not where their cost went: this splits it between
gunicorn's workers and PostgreSQL, and the API's workers' share from the transport floor's. It moves with the
machine's speed as requests per second do (over a run's 33 cases both vary by about 10 %).
"""

import os
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def children(pid):
    """The ids of the processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue  # ended meanwhile
        if status_field(status, "PPid") == str(pid):
            found.append(int(entry.name))
    return sorted(found)


def status_field(status_text, name):
    """A field of /proc/<pid>/status."""
    for line in status_text.splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    return None


def cpu_seconds(pid):
    """User plus system time of `pid` so far (0 once it has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The fields after the command (in parentheses, which may hold anything): utime and stime are the 14th
    # and 15th of the line.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def postgresql_processes():
    """The processes of the cluster bin/postgres started (PGCLUSTER_DIR): its postmaster's children, the
    backends among them. An empty list for another server (whose processes this cannot see)."""
    cluster = os.environ.get("PGCLUSTER_DIR")
    if not cluster:
        return []
    try:
        postmaster = int((Path(cluster) / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return children(postmaster)


class CpuMeter:
    """The CPU seconds the processes `list_processes()` names (at each reading) spend between readings."""

    def __init__(self, list_processes):
        self.list_processes = list_processes

    def reading(self):
        return {pid: cpu_seconds(pid) for pid in self.list_processes()}

    @staticmethod
    def spent(before, after):
        """CPU seconds from `before` to `after` (a process started meanwhile counts all of its own); None
        when no process was found."""
        if not after:
            return None
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
