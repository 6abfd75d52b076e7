"""The benchmark: import speed, and the events API's latency and throughput against its floors, by size.

    bin/bench                        # 1,000, 10,000 and 100,000 events (a throwaway PostgreSQL cluster)
    bin/bench --sizes 1000 --duration 2

bin/bench installs wrk and the benchmark's dependencies, starts PostgreSQL and runs this with
DATABASE_URL set. For each size in turn, it imports synthetic events (`generate_events`, a fixed seed, ids
1…N) up to that size through `ingest_records`, 100 records a call, timing the import; then starts gunicorn
as production does and measures each case (bench/cases.py) uncached, cached and as a 304 with wrk, each
case's transport floor right after it, then the database floors (bench/measure.py). When the sizes
include 1,000 and 100,000, the database at 1,000 is kept, and at 100,000 the first pages are measured on
both side by side (bench/growth.py). It prints the tables and the targets (bench/targets.py) and writes
bench/results/latest.md, latest.json and latency.png.
"""

import argparse
import contextlib
import datetime
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: the project's packages (and `bench`) live in ROOT
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spacedevs.settings")

DEFAULT_SIZES = "1000,10000,100000"


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help=f"event counts, ascending (default {DEFAULT_SIZES})"
    )
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk measurement (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic events (default 0)")
    parser.add_argument(
        "--database-floor-runs", type=int, default=30, help="runs per database floor (default 30)"
    )
    parser.add_argument(
        "--accept-encoding",
        default="gzip",
        help="Accept-Encoding sent with every request (default gzip, as API clients send; '' for none)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=int,
        default=120,
        help="seconds to wait, before each measurement, for other work on the machine to stop (default 120)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="give the servers' DATABASE_URL ?conn_max_age=N, which wins over the settings (default: none)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results", help="where results go")
    arguments = parser.parse_args(argv)
    try:
        arguments.sizes = [int(size.replace("_", "")) for size in arguments.sizes.split(",")]
    except ValueError:
        parser.error("--sizes: comma-separated whole numbers")
    if arguments.sizes != sorted(set(arguments.sizes)) or arguments.sizes[0] < 100:
        parser.error("--sizes: ascending, distinct, each at least 100")
    if not 1 <= arguments.duration <= 120:
        parser.error("--duration: 1 to 120 seconds")
    if not 1 <= arguments.database_floor_runs <= 1000:
        parser.error("--database-floor-runs: 1 to 1000")
    return arguments


def say(message):
    print(message, flush=True)


def stop_on_sigterm():
    """SIGTERM unwinds like Ctrl-C, so that every server started is stopped on the way out."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def machine_description():
    from django.db import connection

    from bench.wrk import wrk_version

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else "MemTotal: 0 kB"
    memory_kb = int(next(line for line in meminfo.splitlines() if line.startswith("MemTotal")).split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0]
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": models[0] if models else platform.processor() or "unknown",
        "memory_gb": memory_kb / 1024 / 1024,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgresql,
        "wrk": wrk_version(),
    }


def code_version():
    """Which code is measured: the commit, and the files outside the benchmark that differ from it (another
    engineer may be at work in the same checkout). BENCH_CODE_VERSION names it where there is no git."""
    if os.environ.get("BENCH_CODE_VERSION"):
        return {"commit": os.environ["BENCH_CODE_VERSION"], "modified": []}

    def git(*arguments):
        command = ["git", "-C", str(ROOT), *arguments]
        return subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        status = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench", ":!bin/bench")
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "modified": []}
    return {"commit": commit, "modified": sorted(line[3:] for line in status.splitlines())}


def note_code_changes(results, size):
    """Warn, and record, when the code differs from the code at the start (servers load it afresh)."""
    now = code_version()
    if now != results["code"]:
        say(f"  WARNING: the code changed since the start of the run: {now}")
        results.setdefault("code_changes", []).append({"size": size, **now})


def progress(count, size, rate):
    if count % 10_000 == 0 or count == size:
        say(f"  imported {count:,} of {size:,} ({rate:,.0f} events/s)")


def import_up_to(size, fill, results):
    """Imports (`fill`) up to `size` events, reporting the step and recording it in `results`."""
    from bench.dataset import SETTLED_SHARE

    say(f"Importing up to {size:,} events")
    step = fill.grow_to(size, on_progress=progress)
    results["imports"].append(step.as_dict())
    say(f"  {step.added:,} events in {step.seconds:.1f} s: {step.events_per_second:,.0f} events/s")
    database_cpu = step.database_cpu_ms_per_100
    say(
        f"  CPU per 100 events: the importer {step.importer_cpu_ms_per_100:.0f} ms, PostgreSQL "
        + ("unseen" if database_cpu is None else f"{database_cpu:.0f} ms")
    )
    say(f"  {step.reimported:,} again, unchanged: {step.reimport_events_per_second:,.0f} events/s")
    if step.all_visible is not None:
        say(f"  vacuumed: {step.all_visible:.0%} of the events' tables' pages all-visible (least)")
        if step.all_visible < SETTLED_SHARE:
            say("  WARNING: index-only scans will read the table for the pages left unmarked")
    if fill.reimport_changes:
        say(f"  WARNING: importing the same events again changed rows: {fill.reimport_changes[-1]}")
        results["reimport_changes"] = fill.reimport_changes


def record_growth(results, server_urls, cases, wrk):
    """The first of `cases` measured side by side on the servers of `server_urls` (bench/growth.py), in
    `results`: "growth", or "growth_error", so that a failure there still leaves the run's other figures
    written."""
    from bench.growth import measure_growth
    from bench.targets import FIRST_PAGES, GROWTH_SIZES

    small, large = GROWTH_SIZES
    say(f"Measuring the first pages at {small:,} and {large:,} events side by side")
    first_pages = [case for case in cases if case.name in FIRST_PAGES]
    try:
        results["growth"] = measure_growth(GROWTH_SIZES, server_urls, first_pages, wrk, say)
    except Exception as error:
        say(f"  WARNING: the growth was not measured: {error}")
        results["growth_error"] = str(error)


def main(argv=None):
    arguments = parse_arguments(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database (bin/bench starts one)")
    stop_on_sigterm()

    import django

    django.setup()
    from django.core.management import call_command

    from bench.cases import build_cases
    from bench.dataset import SyntheticFill, filter_values
    from bench.growth import kept_copy, with_database, with_options
    from bench.measure import measure_size
    from bench.report import results_tables, verdict_table, write_chart, write_json, write_markdown
    from bench.targets import GROWTH_SIZES, evaluate
    from bench.wrk import Wrk
    from spacedevs.gunicorn_config import workers

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    server_database_url = database_url
    if arguments.conn_max_age is not None:
        server_database_url = with_options(database_url, conn_max_age=arguments.conn_max_age)
    headers = {"Accept-Encoding": arguments.accept_encoding} if arguments.accept_encoding else {}
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": os.environ.get("BENCH_COMMAND") or " ".join(["python bench/run.py", *sys.argv[1:]]),
        "machine": machine_description(),
        "code": code_version(),
        "settings": {
            "sizes": arguments.sizes,
            "seed": arguments.seed,
            "duration_seconds": arguments.duration,
            "database_floor_runs": arguments.database_floor_runs,
            "request_headers": headers,
            "workers": workers,
            "server_database_url": server_database_url,
            "quiet_wait_seconds": arguments.quiet_wait,
        },
        "imports": [],
        "filter_values": {},
        "sizes": {},
    }
    fill = SyntheticFill(arguments.sizes[-1], arguments.seed)
    wrk = Wrk(arguments.duration, headers, arguments.quiet_wait)
    growth_measured = set(GROWTH_SIZES) <= set(arguments.sizes)
    smaller = None  # the server's database URL at the smaller of GROWTH_SIZES, once kept
    try:
        with contextlib.ExitStack() as kept:
            for size in arguments.sizes:
                import_up_to(size, fill, results)
                values = filter_values()
                results["filter_values"][str(size)] = values.as_dict()
                say(f"Measuring at {size:,} events")
                note_code_changes(results, size)
                cases = build_cases(size, values)
                results["sizes"][str(size)] = measure_size(
                    size,
                    cases,
                    wrk,
                    database_url=database_url,
                    server_database_url=server_database_url,
                    database_floor_runs=arguments.database_floor_runs,
                    say=say,
                )
                if growth_measured and size == GROWTH_SIZES[0]:
                    copy = kept.enter_context(kept_copy(database_url, size))
                    smaller = with_database(server_database_url, copy)
                if growth_measured and size == GROWTH_SIZES[1]:
                    record_growth(results, (smaller, server_database_url), cases, wrk)
                    kept.close()  # the copy: done with
    finally:
        wrk.close()
    results["elapsed_seconds"] = round(time.monotonic() - started)

    verdicts = evaluate(results)
    say("\n" + results_tables(results) + "\n\n## Targets\n\n" + verdict_table(verdicts))
    arguments.output.mkdir(parents=True, exist_ok=True)
    write_markdown(arguments.output / "latest.md", results, verdicts)
    write_json(arguments.output / "latest.json", results, verdicts)
    write_chart(arguments.output / "latency.png", results)
    elapsed = results["elapsed_seconds"]
    say(f"\nWritten to {arguments.output}/ (latest.md, latest.json, latency.png); {elapsed} s in all")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
