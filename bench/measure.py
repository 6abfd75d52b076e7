"""Measuring every case at one size: the API under gunicorn, then its two floors.

For each case, against the API: the response itself (fetched once, kept for the transport floor), then
uncached (every URL new), cached (one URL, after warm-up requests) and 304 (`If-None-Match` with the
response's ETag), each by wrk for latency (one connection) and throughput (eight; not for 304). The workers'
memory is read before the API stops. Then, with no server running, each case's database floor; then the
transport floor: the kept responses served from memory by bench/floor_app.py under the same gunicorn
settings, measured by the same wrk commands.
"""

from pathlib import Path

from bench.cases import close_django_connection, database_floor
from bench.quiet import QUIET_CPUS
from bench.servers import FloorServer, Gunicorn, fetch, floor_response

CACHE_WARMUP_REQUESTS = 4  # a few, so that each worker (its own in-memory cache) has stored the response
LOGS = Path(__file__).resolve().parent / "out"


def header(headers, name):
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def measure_api(server, case, wrk):
    """The API's figures for one case, and the response the transport floor will repeat."""
    url = server.base_url + case.url_path
    status, headers, body = fetch(server.port, case.url_path, wrk.headers)
    if status != 200:
        raise RuntimeError(f"{case.url_path} answered {status}: {body[:300]!r}")
    etag = header(headers, "ETag")
    figures = {
        "response": {
            "bytes": len(body),
            "content_encoding": header(headers, "Content-Encoding"),
            "etag": etag,
            "cache_control": header(headers, "Cache-Control"),
        },
        "uncached": {
            "latency": wrk.latency(url, unique=True).as_dict(),
            "throughput": wrk.throughput(url, unique=True).as_dict(),
        },
    }
    for _ in range(CACHE_WARMUP_REQUESTS):
        fetch(server.port, case.url_path, wrk.headers)
    figures["cached"] = {
        "latency": wrk.latency(url, unique=False).as_dict(),
        "throughput": wrk.throughput(url, unique=False).as_dict(),
    }
    validated = {"If-None-Match": etag}
    status, _headers, _body = fetch(server.port, case.url_path, {**wrk.headers, **validated})
    if status != 304:
        raise RuntimeError(f"{case.url_path} with If-None-Match {etag} answered {status}, not 304")
    figures["not_modified"] = {"latency": wrk.latency(url, unique=False, headers=validated).as_dict()}
    return figures, floor_response(status=200, headers=headers, body=body)


def measure_transport_floor(server, case, wrk):
    """The floor app's figures for the same wrk commands as the uncached and cached cases."""
    url = server.base_url + case.url_path
    return {
        variant: {
            "latency": wrk.latency(url, unique=unique).as_dict(),
            "throughput": wrk.throughput(url, unique=unique).as_dict(),
        }
        for variant, unique in (("uncached", True), ("cached", False))
    }


def measure_size(size, cases, wrk, *, database_url, server_database_url, database_floor_runs, say):
    """{"cases": {name: figures}, "worker_rss_mb": {pid: MB}, "background_cpus": …} at `size` events.

    The servers get `server_database_url` (the database, perhaps with Django's options), the database floor
    `database_url`."""
    LOGS.mkdir(exist_ok=True)
    results = {case.name: {"case": case.as_dict()} for case in cases}
    responses = {}
    close_django_connection()
    with Gunicorn(server_database_url, log_path=LOGS / f"gunicorn-{size}.log") as server:
        server.wait_until_answering()
        for case in cases:  # the first request of each kind in each worker loads code and connects
            for number in range(CACHE_WARMUP_REQUESTS):
                separator = "&" if "?" in case.url_path else "?"
                fetch(server.port, f"{case.url_path}{separator}warmup={number}", wrk.headers)
        for case in cases:
            say(f"  {size:,} events: {case.name}: API")
            figures, response = measure_api(server, case, wrk)
            results[case.name].update(figures)
            responses[case.url_path] = response
        worker_rss = server.worker_rss_mb()
    say(f"  {size:,} events: database floors")
    for case in cases:
        results[case.name]["database_floor"] = database_floor(case, database_url, database_floor_runs)
    close_django_connection()
    with FloorServer(server_database_url, responses, log_path=LOGS / f"floor-{size}.log") as server:
        server.wait_until_answering(cases[0].url_path)
        for case in cases:
            say(f"  {size:,} events: {case.name}: transport floor")
            results[case.name]["transport_floor"] = measure_transport_floor(server, case, wrk)
    return {"cases": results, "worker_rss_mb": worker_rss, "background_cpus": background_summary(results)}


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
