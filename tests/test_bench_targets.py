"""The benchmark's verdicts, from figures whose verdicts are known."""

from bench.targets import evaluate

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


def size(p50_ms, floor_rps, offset):
    cases = {name: case(name, p50_ms, 1.0, floor_rps=floor_rps) for name in CASE_NAMES}
    cases["detailed 100"] = case("detailed 100", p50_ms, 1.0, not_held_ms=4.0, floor_rps=floor_rps)
    cases[f"list 100 offset {offset}"] = case("deep", p50_ms, 1.0, kind="offset", floor_rps=floor_rps)
    return {"cases": cases, "worker_rss_mb": {"1": 150.0}}


def verdicts(small_p50, large_p50, small_speed, large_speed):
    results = {
        "sizes": {
            "1000": size(small_p50, small_speed, 900),
            "10000": size(small_p50, small_speed, 9900),
            "100000": size(large_p50, large_speed, 99900),
        },
        "imports": [],
    }
    return {(verdict.target, verdict.where): verdict for verdict in evaluate(results)}


GROWTH = ("uncached `list 100` p50 at 100,000 ≤ 1.5x at 1,000", "1,000 → 100,000")


def test_growth_holds_only_with_the_machines_drift_taken_out_too():
    # 1.2x as measured, but the machine ran 1.5x faster at 100,000 than at 1,000: 1.8x at one speed.
    drifted = verdicts(small_p50=2.0, large_p50=2.4, small_speed=1000.0, large_speed=1500.0)[GROWTH]
    assert (drifted.held, drifted.value) == (
        False,
        "1.20x (2.4 ÷ 2.0 ms); 1.80x with the machine's drift out",
    )
    steady = verdicts(small_p50=2.0, large_p50=2.4, small_speed=1000.0, large_speed=1000.0)[GROWTH]
    assert (steady.held, steady.value) == (True, "1.20x (2.4 ÷ 2.0 ms); 1.20x with the machine's drift out")


def test_each_modes_pages_of_10_and_100_are_held_to_their_database_floor_and_without_held_documents():
    found = verdicts(small_p50=2.0, large_p50=2.0, small_speed=1000.0, large_speed=1000.0)
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
