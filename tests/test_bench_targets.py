"""The benchmark's verdicts, from figures whose verdicts are known."""

from bench.targets import FIRST_PAGES, evaluate

CASE_NAMES = ("list 10", "list 100", "normal 10", "normal 100", "detailed 10", "detailed 100")


def run(p50_ms, requests_per_second):
    return {"latency": {"p50_ms": p50_ms}, "throughput": {"requests_per_second": requests_per_second}}


def case(name, uncached_ms, database_ms, not_held_ms=None, kind="page", floor_rps=1000.0):
    figures = {
        "case": {"name": name, "kind": kind},
        "uncached": run(uncached_ms, 200.0),
        "cached": run(0.5, 0.7 * floor_rps),
        "not_modified": run(0.5, None),
        "transport_floor": {"uncached": run(0.3, 1000.0), "cached": run(0.3, floor_rps)},
        "database_floor": {"median_ms": database_ms},
    }
    if not_held_ms is not None:
        figures["uncached_not_held"] = run(not_held_ms, 50.0)
    return figures


def size(p50_ms, offset):
    cases = {name: case(name, p50_ms, 1.0) for name in CASE_NAMES}
    cases["detailed 100"] = case("detailed 100", p50_ms, 1.0, not_held_ms=4.0)
    cases[f"list 100 offset {offset}"] = case("deep", p50_ms, 1.0, kind="offset")
    return {"cases": cases, "worker_rss_mb": {"1": 150.0}}


def side_by_side(small_p50s, large_p50s):
    """growth.py's figures: each first page's p50s, round by round, at 1,000 and 100,000 events."""
    cases = {name: {"small_p50_ms": small_p50s, "large_p50_ms": large_p50s} for name in FIRST_PAGES}
    return {"sizes": [1000, 100000], "rounds": len(small_p50s), "cases": cases}


def verdicts(small_p50=2.0, large_p50=2.0, growth=None):
    results = {
        "sizes": {
            "1000": size(small_p50, 900),
            "10000": size(small_p50, 9900),
            "100000": size(large_p50, 99900),
        },
        "imports": [],
    }
    if growth is not None:
        results["growth"] = growth
    return {(verdict.target, verdict.where): verdict for verdict in evaluate(results)}


GROWTH = ("uncached `list 100` p50 at 100,000 ≤ 1.5x at 1,000", "1,000 → 100,000")


def test_growth_is_the_median_of_the_rounds_ratios_measured_side_by_side():
    # Rounds of 1.6x, 1.1x and 1.7x: 1.6x, though the medians of each side's p50s, from different rounds,
    # are 1.7x apart.
    missed = verdicts(growth=side_by_side([2.0, 4.0, 2.0], [3.2, 4.4, 3.4]))[GROWTH]
    assert (missed.held, missed.value) == (
        False,
        "1.60x (the median of 3 rounds' ratios, side by side; p50s 3.4 and 2.0 ms)",
    )
    held = verdicts(growth=side_by_side([2.0, 2.1, 1.9], [2.9, 3.0, 2.8]))[GROWTH]
    assert (held.held, held.value) == (
        True,
        "1.45x (the median of 3 rounds' ratios, side by side; p50s 2.9 and 2.0 ms)",
    )


def test_growth_of_exactly_its_factor_holds_and_a_hair_more_misses():
    # "≤ 1.5x": 3.0 ÷ 2.0 is 1.5 exactly in binary floating point.
    at = verdicts(growth=side_by_side([2.0, 2.0, 2.0], [3.0, 3.0, 3.0]))[GROWTH]
    past = verdicts(growth=side_by_side([2.0, 2.0, 2.0], [3.0, 3.001, 3.001]))[GROWTH]
    assert (at.held, past.held) == (True, False)


def test_growth_is_not_judged_from_sizes_measured_minutes_apart():
    # Each size's own p50s (4x apart here) say nothing of it without the side-by-side run.
    found = verdicts(small_p50=1.0, large_p50=4.0)[GROWTH]
    assert (found.held, found.value) == (None, "not measured")


def test_each_modes_pages_of_10_and_100_are_held_to_their_database_floor_and_without_held_documents():
    found = verdicts()
    floor_targets = {
        target: verdict.held
        for (target, where), verdict in found.items()
        if where == "10,000" and "database floor" in target
    }
    assert floor_targets == {
        **{f"uncached `{name}` p50 ≤ 3x database floor": True for name in CASE_NAMES},
        "uncached `detailed 100` (no document held) p50 ≤ 3x database floor": False,
    }
    not_held = found["uncached `detailed 100` (no document held) requests/s ≥ 0.1x transport floor", "10,000"]
    assert (not_held.held, not_held.value) == (False, "0.050x")
