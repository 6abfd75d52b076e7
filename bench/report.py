"""The run's results as tables (printed and in latest.md), latest.json with every figure, and latency.png."""

import json

from bench.quiet import QUIET_CPUS
from bench.targets import FIRST_PAGES, growth_ratio, growth_ratios, over_database_floor, share_of_floor

COLUMNS = [
    "case",
    "uncached p50 ms",
    "p95 ms",
    "req/s",
    "p50 ÷ db floor",
    "req/s ÷ floor",
    "cached p50 ms",
    "p95 ms",
    "req/s",
    "p50 ÷ db floor",
    "req/s ÷ floor",
    "304 p50 ms",
    "db floor ms",
    "count ms",
    "floor req/s, one URL",
    "KiB sent",
]


def case_row(name, case):
    uncached, cached = case["uncached"], case["cached"]
    return [
        f"`{name}`",
        f"{uncached['latency']['p50_ms']:.2f}",
        f"{uncached['latency']['p95_ms']:.2f}",
        f"{uncached['throughput']['requests_per_second']:,.0f}",
        f"{over_database_floor(case, 'uncached'):.1f}",
        f"{share_of_floor(case, 'uncached'):.2f}",
        f"{cached['latency']['p50_ms']:.2f}",
        f"{cached['latency']['p95_ms']:.2f}",
        f"{cached['throughput']['requests_per_second']:,.0f}",
        f"{over_database_floor(case, 'cached'):.1f}",
        f"{share_of_floor(case, 'cached'):.2f}",
        f"{case['not_modified']['latency']['p50_ms']:.2f}",
        f"{case['database_floor']['median_ms']:.2f}",
        _or_dash(case["database_floor"].get("count_ms"), ".2f"),
        f"{case['transport_floor']['cached']['throughput']['requests_per_second']:,.0f}",
        f"{case['response']['bytes'] / 1024:.1f}",
    ]


CPU_COLUMNS = [
    "case",
    "uncached: workers",
    "PostgreSQL",
    "cached: workers",
    "PostgreSQL",
    "floor, cached: workers",
    "cached workers ÷ floor",
]


def cpu_row(name, case):
    """CPU µs per request of the eight-connection runs (bench/cpu.py)."""
    uncached, cached = case["uncached"]["throughput"], case["cached"]["throughput"]
    floor = case["transport_floor"]["cached"]["throughput"]
    cells = [uncached["worker_cpu_us"], uncached["database_cpu_us"], cached["worker_cpu_us"]]
    cells += [cached["database_cpu_us"], floor["worker_cpu_us"]]
    ratio = cached["worker_cpu_us"] / floor["worker_cpu_us"] if floor["worker_cpu_us"] else None
    return [f"`{name}`", *(_or_dash(cell, ",.0f") for cell in cells), _or_dash(ratio, ".2f")]


NOT_HELD_COLUMNS = [
    "case",
    "p50 ms",
    "p95 ms",
    "req/s",
    "p50 ÷ db floor",
    "req/s ÷ floor",
    "req/s ÷ held",
    "CPU µs: workers",
    "PostgreSQL",
]


def not_held_row(name, case):
    """The case uncached on a server holding no document (measure.py), beside the same with documents held."""
    figures = case["uncached_not_held"]
    latency, throughput = figures["latency"], figures["throughput"]
    floor = case["transport_floor"]["uncached"]["throughput"]["requests_per_second"]
    held = case["uncached"]["throughput"]["requests_per_second"]
    return [
        f"`{name}`",
        f"{latency['p50_ms']:.2f}",
        f"{latency['p95_ms']:.2f}",
        f"{throughput['requests_per_second']:,.0f}",
        f"{latency['p50_ms'] / case['database_floor']['median_ms']:.1f}",
        f"{throughput['requests_per_second'] / floor:.3f}",
        f"{throughput['requests_per_second'] / held:.2f}",
        _or_dash(throughput["worker_cpu_us"], ",.0f"),
        _or_dash(throughput["database_cpu_us"], ",.0f"),
    ]


def _or_dash(value, spec):
    return "-" if value is None else format(value, spec)


def request_line(case):
    """A case's path, and the headers it sends beside the run's."""
    headers = "".join(f", `{name}: {value}`" for name, value in case.get("headers", ()))
    return f"`{case['url_path']}`{headers}"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def results_tables(results):
    """Markdown: the import steps, then one table per size, with its workers' memory."""
    imports = markdown_table(
        [
            "events",
            "added",
            "seconds",
            "events/s",
            "CPU ms per 100: importer",
            "PostgreSQL",
            "again, unchanged",
            "seconds",
            "events/s",
        ],
        [
            [
                f"{step['size']:,}",
                f"{step['added']:,}",
                f"{step['seconds']:.1f}",
                f"{step['events_per_second']:,.0f}",
                f"{step['importer_cpu_ms_per_100']:.0f}",
                _or_dash(step["database_cpu_ms_per_100"], ".0f"),
                f"{step['reimported']:,}",
                f"{step['reimport_seconds']:.1f}",
                f"{step['reimport_events_per_second']:,.0f}",
            ]
            for step in results["imports"]
        ],
    )
    parts = ["### Import (`ingest_records`, 100 records a call)", imports]
    for size, figures in results["sizes"].items():
        rows = [case_row(name, case) for name, case in figures["cases"].items()]
        rss = ", ".join(f"{mb:.0f}" for mb in figures["worker_rss_mb"].values())
        background = figures["background_cpus"]
        paths = [[f"`{name}`", request_line(case["case"])] for name, case in figures["cases"].items()]
        cpu_rows = [cpu_row(name, case) for name, case in figures["cases"].items()]
        not_held = [
            not_held_row(name, case) for name, case in figures["cases"].items() if "uncached_not_held" in case
        ]
        parts += [
            f"### {int(size):,} events",
            markdown_table(COLUMNS, rows),
            "CPU per request, µs, in the runs with eight connections (user and system time of gunicorn's "
            "workers, and of PostgreSQL's processes, over the run ÷ its requests):",
            markdown_table(CPU_COLUMNS, cpu_rows),
        ]
        if not_held:
            parts += [
                "Uncached, on an API holding no document in memory, whole or deflated "
                "(`DOCUMENT_CACHE_BYTES=0`, `COMPRESSED_PARTS_BYTES=0`: every page reads its documents from "
                'PostgreSQL and deflates them), measured after the table above; "req/s ÷ held": '
                "against the uncached req/s above:",
                markdown_table(NOT_HELD_COLUMNS, not_held),
            ]
        parts += [
            f"gunicorn worker RSS after the run: {rss} MB. Other work on the machine before each of the "
            f"{background['measurements']} wrk runs: at most {background['max']:.2f} CPUs; "
            f"{background['not_quiet']} started above {QUIET_CPUS} CPUs busy; "
            f"{background['waited_seconds']:.0f} s waited for quiet.",
            markdown_table(["case", "request"], paths),
        ]
    if "growth" in results:
        parts += growth_tables(results["growth"])
    return "\n\n".join(parts)


def growth_tables(growth):
    """Markdown: the first pages' p50s at two sizes, measured side by side (growth.py), round by round."""
    small_size, large_size = growth["sizes"]
    rows = [
        [
            f"`{name}`",
            ", ".join(f"{p50:.2f}" for p50 in figures["small_p50_ms"]),
            ", ".join(f"{p50:.2f}" for p50 in figures["large_p50_ms"]),
            ", ".join(f"{ratio:.2f}" for ratio in growth_ratios(figures)),
            f"{growth_ratio(figures):.2f}x",
        ]
        for name, figures in growth["cases"].items()
    ]
    header = ["case", f"p50 ms at {small_size:,}, by round", f"at {large_size:,}", "ratio", "median ratio"]
    return [
        f"### The first pages at {small_size:,} and {large_size:,} events, side by side",
        f"Uncached, one connection, on two servers running at once (one on a copy of the database as it was "
        f"at {small_size:,} events), taking turns page by page, the first of each turn alternating by round:",
        markdown_table(header, rows),
    ]


def verdict_table(verdicts):
    marks = {True: "held", False: "**missed**", None: "not measured"}
    return markdown_table(
        ["target", "size", "measured", "verdict"],
        [[verdict.target, verdict.where, verdict.value, marks[verdict.held]] for verdict in verdicts],
    )


def write_markdown(path, results, verdicts):
    machine = results["machine"]
    settings = results["settings"]
    text = f"""# Benchmark: the events API over synthetic data

- Date: {results["date"]}
- Machine: {machine["cpu_count"]} CPUs ({machine["cpu_model"]}), {machine["memory_gb"]:.1f} GB RAM,
  Linux {machine["kernel"]}; Python {machine["python"]}; PostgreSQL {machine["postgresql"]}; {machine["wrk"]}
- Command: `{results["command"]}`
- Code: {code_line(results)}
- Each measurement: wrk for {settings["duration_seconds"]} s over loopback; latency with one connection
  (`-t1 -c1`), requests/s with eight (`-t2 -c8`); request headers {settings["request_headers"]}; gunicorn as
  production runs it (`spacedevs.gunicorn_config`, {settings["workers"]} workers, DATABASE_URL
  `{settings["server_database_url"]}`); database floor: the median of
  {settings["database_floor_runs"]} runs of the page's one statement on a raw psycopg cursor, with a web
  worker's session settings (`spacedevs.faults.web_session_settings`: no parallel workers), the faster of two
  (the rows joined to their documents, sliced; the page's ids sliced, then joined to their documents).
- Uncached: every request a new URL (`&bench=…`, ignored by the API, part of its cache key), so that the
  response is computed, but for the query's count, made once per query and data version ("count ms": its
  statement's median, which the first page of a query after a write adds); the stored documents it shows
  are held in the workers' memory after the first (`DOCUMENT_CACHE_BYTES`), and deflated
  (`COMPRESSED_PARTS_BYTES`), as on a server in use (each size's pages of 100 are measured again with none
  held: their rows in the targets, "no document held"). Cached: one URL after warm-up requests. 304: the
  cached URL with `If-None-Match`. Transport floor ("floor"): the same response bytes served from memory by
  `bench/floor_app.py` under the same gunicorn settings, the same wrk commands, before and after the API's
  in turns (ratios: uncached ÷ floor with unique URLs, cached ÷ floor with one URL, "floor req/s, one
  URL"). The sizes run one after the other, minutes apart, as the machine's speed drifts: the growth from
  1,000 to 100,000 events, when the run has both, is measured side by side instead, on two servers at once
  (one on a copy of the database as it was at 1,000 events), taking turns (`bench/growth.py`).
- PostgreSQL runs as `bin/postgres` starts it, without durability (`fsync`, `synchronous_commit` and
  `full_page_writes` off): imports and writes are faster than on a durable server.

## Targets

{verdict_table(verdicts)}

## Results

{results_tables(results)}
"""
    path.write_text(text)


def code_line(results):
    code = results["code"]
    line = f"`{code['commit']}`"
    if code["modified"]:
        line += f", with uncommitted changes to {', '.join(code['modified'])}"
    if results.get("code_changes"):
        sizes = ", ".join(f"{change['size']:,}" for change in results["code_changes"])
        line += f". **The code changed during the run** (before measuring at {sizes} events): not comparable"
    return line


def write_json(path, results, verdicts):
    path.write_text(json.dumps({**results, "targets": [v.as_dict() for v in verdicts]}, indent=2) + "\n")


def write_chart(path, results):
    """Uncached (solid) and cached (dashed) p50 of each mode's 100-event first page against the size."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot, ticker

    sizes = sorted(int(size) for size in results["sizes"])
    figure, axes = pyplot.subplots(figsize=(8, 5), dpi=120)
    for name, colour in zip(FIRST_PAGES, ("tab:blue", "tab:orange", "tab:green"), strict=True):
        for variant, style in (("uncached", "-"), ("cached", "--")):
            values = [
                results["sizes"][str(size)]["cases"][name][variant]["latency"]["p50_ms"] for size in sizes
            ]
            axes.plot(sizes, values, style, marker="o", color=colour, label=f"{name}, {variant}")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks(sizes, [f"{size:,}" for size in sizes])
    axes.xaxis.set_minor_locator(ticker.NullLocator())
    axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _position: f"{value:g}"))
    axes.yaxis.set_minor_formatter(ticker.FuncFormatter(lambda value, _position: f"{value:g}"))
    axes.set_xlabel("events in the database")
    axes.set_ylabel("p50 latency, ms (one connection)")
    axes.set_title("GET /2.3.0/events/?mode=…&limit=100")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
