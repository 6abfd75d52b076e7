"""Random choices: weighted picks, list lengths and distinct samples."""

import bisect
import functools
import itertools
import random
from collections.abc import Sequence
from typing import Any


@functools.cache
def cumulative(weights: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """Return the cumulative weights and their total (cached: the weight tables are constants)."""
    sums = tuple(itertools.accumulate(weights))
    return sums, sums[-1]


def pick_weighted(rng: random.Random, items: Sequence[Any], weights: tuple[int, ...]) -> Any:
    """Pick one item, ``items[i]`` with probability proportional to ``weights[i]``."""
    sums, total = cumulative(weights)
    return items[bisect.bisect(sums, rng.random() * total)]


def pick_count(rng: random.Random, weights: tuple[int, ...]) -> int:
    """Pick a list length: ``i`` is chosen with probability proportional to ``weights[i]``."""
    sums, total = cumulative(weights)
    return bisect.bisect(sums, rng.random() * total)


def pick_distinct(rng: random.Random, pool: Sequence[Any], count: int) -> list[Any]:
    """Pick up to ``count`` distinct items of ``pool`` in random order."""
    return rng.sample(pool, min(count, len(pool)))
