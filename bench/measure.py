"""Measuring every case at one size: the API under gunicorn, its transport floor beside it, the pages of 100
again on an API holding no document, then the database floors.

Each case's response is fetched from the API once, before any measurement, and the transport floor's server
(bench/floor_app.py under the same gunicorn settings) is started with those bytes beside the API's, so that
each case is measured on both back to back: the API uncached (every URL new), cached (one URL, after warm-up
requests) and 304 (`If-None-Match` with the response's ETag), each by wrk for latency (one connection) and
throughput (eight; not for 304), and the floor by the same wrk commands, the API first and the floor first in
turns. This machine's speed drifts over minutes, so a ratio compares figures taken seconds apart, not a
whole size's run apart. Each run with eight
connections also gives the CPU time each request cost gunicorn's workers and PostgreSQL (bench/cpu.py). The
workers' memory is read before the servers stop; then, with no server running, each case's database floor.
"""

from pathlib import Path

from bench.cases import close_django_connection, database_floor
from bench.cpu import CpuMeter, postgresql_processes
from bench.quiet import QUIET_CPUS
from bench.servers import FloorServer, Gunicorn, fetch, floor_response

CACHE_WARMUP_REQUESTS = 4  # a few, so that each worker (its own in-memory cache) has stored the response
# Measured uncached again with no document held in the workers' memory, whole or deflated
# (DOCUMENT_CACHE_BYTES=0, COMPRESSED_PARTS_BYTES=0): what a page
# costs when its documents come from PostgreSQL with its ids (as a page whose documents are mostly not held:
# a worker just started, a crawler's pages) against the same page with its documents held.
NOT_HELD_CASES = ("list 100", "normal 100", "detailed 100", "detailed 100 identity")
NONE_HELD = {"DOCUMENT_CACHE_BYTES": "0", "COMPRESSED_PARTS_BYTES": "0"}
LOGS = Path(__file__).resolve().parent / "out"


def header(headers, name):
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def floor_key(case, wrk):
    """What the transport floor's app finds the case's response by (bench/floor_app.py)."""
    return case.url_path, case.request_headers(wrk.headers).get("Accept-Encoding", "")


def first_response(server, case, wrk):
    """The API's response to the case, as the transport floor will repeat it; its ETag."""
    status, headers, body = fetch(server.port, case.url_path, case.request_headers(wrk.headers))
    if status != 200:
        raise RuntimeError(f"{case.url_path} answered {status}: {body[:300]!r}")
    return floor_response(status=status, headers=headers, body=body), header(headers, "ETag")


def measure_api(server, case, wrk, response, etag):
    """The API's figures for one case, whose first `response` (status, headers, body) had `etag`."""
    url, sent = server.base_url + case.url_path, dict(case.headers)
    _status, headers, body = response
    figures = {
        "response": {
            "bytes": len(body),
            "content_encoding": header(headers, "Content-Encoding"),
            "etag": etag,
            "cache_control": header(headers, "Cache-Control"),
        },
        "uncached": latency_and_throughput(wrk, server, url, unique=True, headers=sent),
    }
    for _ in range(CACHE_WARMUP_REQUESTS):
        fetch(server.port, case.url_path, case.request_headers(wrk.headers))
    figures["cached"] = latency_and_throughput(wrk, server, url, unique=False, headers=sent)
    # Validated with the ETag of now: a window's (`/upcoming/`) moves as its events' dates pass, which at
    # 100,000 events can happen between the first response and this one.
    _status, headers, _body = fetch(server.port, case.url_path, case.request_headers(wrk.headers))
    current = header(headers, "ETag")
    validated = {**sent, "If-None-Match": current}
    status, _headers, _body = fetch(server.port, case.url_path, case.request_headers(wrk.headers) | validated)
    if status != 304:
        raise RuntimeError(f"{case.url_path} with If-None-Match {current} answered {status}, not 304")
    figures["not_modified"] = {"latency": wrk.latency(url, unique=False, headers=validated).as_dict()}
    return figures


def measure_transport_floor(server, case, wrk):
    """The floor app's figures for the same wrk commands as the uncached and cached cases."""
    url, sent = server.base_url + case.url_path, dict(case.headers)
    return {
        variant: latency_and_throughput(wrk, server, url, unique=unique, headers=sent)
        for variant, unique in (("uncached", True), ("cached", False))
    }


def latency_and_throughput(wrk, server, url, *, unique, headers):
    """wrk's runs with one connection and with eight, on `url` (see throughput)."""
    return {
        "latency": wrk.latency(url, unique=unique, headers=headers).as_dict(),
        "throughput": throughput(wrk, server, url, unique=unique, headers=headers),
    }


def throughput(wrk, server, url, *, unique, headers):
    """wrk's run with eight connections (sending `headers` beside the run's), and what each of its requests
    cost in CPU: gunicorn's workers' (`worker_cpu_us`) and PostgreSQL's (`database_cpu_us`, of the cluster
    bin/bench started), in µs."""
    meters = {
        "worker_cpu_us": CpuMeter(server.worker_pids),
        "database_cpu_us": CpuMeter(postgresql_processes),
    }
    before = {name: meter.reading() for name, meter in meters.items()}
    figures = wrk.throughput(url, unique=unique, headers=headers).as_dict()
    for name, meter in meters.items():
        spent = meter.spent(before[name], meter.reading())
        figures[name] = None if spent is None else round(spent * 1e6 / max(1, figures["requests"]), 1)
    return figures


def measure_size(size, cases, wrk, *, database_url, server_database_url, database_floor_runs, say):
    """{"cases": {name: figures}, "worker_rss_mb": {pid: MB}, "background_cpus": …} at `size` events.

    The servers get `server_database_url` (the database, perhaps with Django's options), the database floor
    `database_url`."""
    LOGS.mkdir(exist_ok=True)
    results = {case.name: {"case": case.as_dict()} for case in cases}
    close_django_connection()
    with Gunicorn(server_database_url, log_path=LOGS / f"gunicorn-{size}.log") as server:
        server.wait_until_answering()
        warm_up(server, cases, wrk)
        first = {case.name: first_response(server, case, wrk) for case in cases}
        responses = {floor_key(case, wrk): first[case.name][0] for case in cases}
        with FloorServer(server_database_url, responses, log_path=LOGS / f"floor-{size}.log") as floor:
            floor.wait_until_answering("/")  # its 404
            for number, case in enumerate(cases):
                # The API and its floor take turns at going first: the later of the two would otherwise
                # always meet the machine a few seconds further on in its drift.
                api_first = number % 2 == 0
                order = "API, then its transport floor" if api_first else "transport floor, then the API"
                say(f"  {size:,} events: {case.name}: {order}")
                if not api_first:
                    floor_figures = measure_transport_floor(floor, case, wrk)
                results[case.name].update(measure_api(server, case, wrk, *first[case.name]))
                if api_first:
                    floor_figures = measure_transport_floor(floor, case, wrk)
                results[case.name]["transport_floor"] = floor_figures
        worker_rss = server.worker_rss_mb()
    measure_documents_not_held(size, cases, wrk, server_database_url, results, say)
    say(f"  {size:,} events: database floors")
    for case in cases:
        results[case.name]["database_floor"] = database_floor(case, database_url, database_floor_runs)
    close_django_connection()
    return {"cases": results, "worker_rss_mb": worker_rss, "background_cpus": background_summary(results)}


def measure_documents_not_held(size, cases, wrk, server_database_url, results, say):
    """The NOT_HELD_CASES uncached, on a server that holds no document (`uncached_not_held` in `results`)."""
    measured = [case for case in cases if case.name in NOT_HELD_CASES]
    log = LOGS / f"gunicorn-{size}-not-held.log"
    with Gunicorn(server_database_url, extra_env=NONE_HELD, log_path=log) as server:
        server.wait_until_answering()
        warm_up(server, measured, wrk)
        for case in measured:
            say(f"  {size:,} events: {case.name}: API holding no document")
            url, sent = server.base_url + case.url_path, dict(case.headers)
            results[case.name]["uncached_not_held"] = latency_and_throughput(
                wrk, server, url, unique=True, headers=sent
            )


def warm_up(server, cases, wrk):
    """The first request of each kind in each worker loads code and connects: a few of each case first."""
    for case in cases:
        for number in range(CACHE_WARMUP_REQUESTS):
            separator = "&" if "?" in case.url_path else "?"
            path = f"{case.url_path}{separator}warmup={number}"
            fetch(server.port, path, case.request_headers(wrk.headers))


def background_summary(results):
    """How busy the machine was with other work when the measurements started (bench/quiet.py)."""
    runs = [
        measurement
        for figures in results.values()
        for group in figures.values()
        if isinstance(group, dict)
        for measurement in _measurements(group)
    ]
    busy = [run["background_cpus"] for run in runs]
    return {
        "measurements": len(runs),
        "max": max(busy, default=0),
        "not_quiet": sum(value > QUIET_CPUS for value in busy),
        "waited_seconds": round(sum(run["waited_seconds"] for run in runs), 1),
    }


def _measurements(group):
    """The wrk Measurements (as dicts) nested anywhere in `group`."""
    if "background_cpus" in group:
        yield group
        return
    for value in group.values():
        if isinstance(value, dict):
            yield from _measurements(value)
