"""The performance targets, evaluated on one run's figures (see run.py for the shape of `results`)."""

import statistics
from dataclasses import asdict, dataclass

DETAILED_P50_MS = 25
DETAILED_FLOOR_SHARE = 0.1
LIST_P50_MS = 10
DATABASE_FLOOR_FACTOR = 3
CACHED_FLOOR_SHARE = 0.6
NOT_MODIFIED_MS = 2
GROWTH_FACTOR = 1.5
GROWTH_SIZES = (1_000, 100_000)  # measured side by side (growth.py)
DEEP_OFFSET_FACTOR = 3
IMPORT_EVENTS_PER_SECOND = 2000
WORKER_RSS_MB = 200
FIRST_PAGES = ("list 100", "normal 100", "detailed 100")
# Each mode's first page at both sizes: "uncached p50 of each mode ≤ 3x its database floor".
MODE_PAGES = ("list 10", "list 100", "normal 10", "normal 100", "detailed 10", "detailed 100")
NOT_HELD = "uncached_not_held"  # the pages of 100 again, with no document held in the workers' memory
# The uncached figures a target is given for (a case has the second only if measured), as named in its row.
UNCACHED_VARIANTS = (("uncached", ""), (NOT_HELD, " (no document held)"))
# The detailed page as the issue measured it against its transport floor: the body uncompressed (cases.py).
IDENTITY_PAGE = "detailed 100 identity"


@dataclass
class Verdict:
    target: str
    where: str
    value: str
    held: bool | None  # None: not measured in this run

    def as_dict(self):
        return asdict(self)


def uncached_p50(case):
    return case["uncached"]["latency"]["p50_ms"]


def share_of_floor(case, variant):
    """Requests/s of the API ÷ requests/s of the transport floor, for `variant` (cached, or uncached with
    documents held or not: against the floor with unique URLs)."""
    floor = case["transport_floor"]["cached" if variant == "cached" else "uncached"]
    floor = floor["throughput"]["requests_per_second"]
    return case[variant]["throughput"]["requests_per_second"] / floor


def over_database_floor(case, variant):
    return case[variant]["latency"]["p50_ms"] / case["database_floor"]["median_ms"]


def growth_medians(figures):
    """(median p50 at the smaller size, at the larger) of one case's side-by-side `figures` (growth.py)."""
    return statistics.median(figures["small_p50_ms"]), statistics.median(figures["large_p50_ms"])


def growth_ratios(figures):
    """Each round's p50 at the larger size ÷ its p50 at the smaller, measured seconds apart (growth.py)."""
    pairs = zip(figures["small_p50_ms"], figures["large_p50_ms"], strict=True)
    return [large / small for small, large in pairs]


def growth_ratio(figures):
    """The growth of one case's side-by-side `figures`: the median of its rounds' ratios (each a pair
    measured seconds apart, where the medians of each side's p50s could come from different rounds)."""
    return statistics.median(growth_ratios(figures))


def evaluate(results):
    """Every target at every size it applies to, as Verdicts."""
    sizes = {int(size): figures for size, figures in results["sizes"].items()}
    verdicts = []
    add = verdicts.append

    at_10k = sizes.get(10_000)
    if at_10k is None:
        add(Verdict("uncached detailed 100 at 10,000 events", "10,000", "not measured", None))
    else:
        detailed = at_10k["cases"]["detailed 100"]
        p50 = uncached_p50(detailed)
        add(
            Verdict(
                f"uncached `detailed 100` p50 ≤ {DETAILED_P50_MS} ms",
                "10,000",
                f"{p50:.1f} ms",
                p50 <= DETAILED_P50_MS,
            )
        )
        for name in ("detailed 100", IDENTITY_PAGE):
            case = at_10k["cases"].get(name)
            for variant, held in UNCACHED_VARIANTS:
                if case is not None and variant in case:
                    share = share_of_floor(case, variant)
                    add(
                        Verdict(
                            f"uncached `{name}`{held} requests/s ≥ {DETAILED_FLOOR_SHARE}x transport floor",
                            "10,000",
                            f"{share:.3f}x",
                            share >= DETAILED_FLOOR_SHARE,
                        )
                    )

    for size, figures in sizes.items():
        cases = figures["cases"]
        p50 = uncached_p50(cases["list 100"])
        add(
            Verdict(
                f"uncached `list 100` p50 ≤ {LIST_P50_MS} ms",
                f"{size:,}",
                f"{p50:.1f} ms",
                p50 <= LIST_P50_MS,
            )
        )
        for name in MODE_PAGES:
            for variant, held in UNCACHED_VARIANTS:
                case = cases[name]
                if variant not in case:
                    continue
                factor = over_database_floor(case, variant)
                add(
                    Verdict(
                        f"uncached `{name}`{held} p50 ≤ {DATABASE_FLOOR_FACTOR}x database floor",
                        f"{size:,}",
                        f"{factor:.1f}x ({case[variant]['latency']['p50_ms']:.1f} ÷ "
                        f"{case['database_floor']['median_ms']:.2f} ms)",
                        factor <= DATABASE_FLOOR_FACTOR,
                    )
                )
        shares = {name: share_of_floor(case, "cached") for name, case in cases.items()}
        worst = min(shares, key=shares.get)
        add(
            Verdict(
                f"cached requests/s ≥ {CACHED_FLOOR_SHARE}x transport floor, every case",
                f"{size:,}",
                f"lowest {shares[worst]:.2f}x (`{worst}`); "
                f"{sum(share < CACHED_FLOOR_SHARE for share in shares.values())} of {len(shares)} below",
                shares[worst] >= CACHED_FLOOR_SHARE,
            )
        )
        not_modified = {name: case["not_modified"]["latency"]["p50_ms"] for name, case in cases.items()}
        slowest = max(not_modified, key=not_modified.get)
        add(
            Verdict(
                f"304 p50 ≤ {NOT_MODIFIED_MS} ms, every case",
                f"{size:,}",
                f"slowest {not_modified[slowest]:.2f} ms (`{slowest}`)",
                not_modified[slowest] <= NOT_MODIFIED_MS,
            )
        )
        deep = next(case for name, case in cases.items() if case["case"]["kind"] == "offset")
        factor = uncached_p50(deep) / uncached_p50(cases["list 100"])
        add(
            Verdict(
                f"uncached `{deep['case']['name']}` p50 ≤ {DEEP_OFFSET_FACTOR}x first page",
                f"{size:,}",
                f"{factor:.2f}x ({uncached_p50(deep):.1f} ÷ {uncached_p50(cases['list 100']):.1f} ms)",
                factor <= DEEP_OFFSET_FACTOR,
            )
        )

    growth = results.get("growth")
    small_size, large_size = GROWTH_SIZES
    for name in FIRST_PAGES:
        target = f"uncached `{name}` p50 at {large_size:,} ≤ {GROWTH_FACTOR}x at {small_size:,}"
        where = f"{small_size:,} → {large_size:,}"
        if growth is None:
            error = results.get("growth_error")
            add(Verdict(target, where, "not measured" + (f": {error}" if error else ""), None))
            continue
        figures = growth["cases"][name]
        ratio, (small, large) = growth_ratio(figures), growth_medians(figures)
        add(
            Verdict(
                target,
                where,
                f"{ratio:.2f}x (the median of {growth['rounds']} rounds' ratios, side by side; "
                f"p50s {large:.1f} and {small:.1f} ms)",
                ratio <= GROWTH_FACTOR,
            )
        )

    for step in results["imports"]:
        rate = step["events_per_second"]
        add(
            Verdict(
                f"import ≥ {IMPORT_EVENTS_PER_SECOND:,} events/s",
                f"to {step['size']:,}",
                f"{rate:,.0f} events/s",
                rate >= IMPORT_EVENTS_PER_SECOND,
            )
        )

    for size, figures in sizes.items():
        largest = max(figures["worker_rss_mb"].values(), default=0)
        add(
            Verdict(
                f"gunicorn worker RSS ≤ {WORKER_RSS_MB} MB",
                f"{size:,}",
                f"{largest:.0f} MB (largest of {len(figures['worker_rss_mb'])})",
                largest <= WORKER_RSS_MB,
            )
        )
    return verdicts
