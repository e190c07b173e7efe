"""Interleaved rounds, and ratios that hold on a noisy machine: the median and range over rounds.

A machine shared with other jobs speeds up and slows down by the minute, so one timing of each side says
little. The benchmarks time both sides of a comparison in the same round, one after the other (ours,
theirs, ours, theirs ...), and take the ratio within each round: load that changes between rounds changes
both sides alike. They report the median of the per-round ratios and their range (lowest-highest).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds of each call per round, after one untimed warm-up round; the calls alternate within a round."""
    for fn in calls.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, fn in calls.items():
            times[name].append(timed(fn))
    return times


def per_round(numerator: list[float], denominator: list[float]) -> list[float]:
    """The ratio of round i of one side to round i of the other."""
    if len(numerator) != len(denominator) or not numerator:
        raise ValueError(f"rounds must pair up: {len(numerator)} and {len(denominator)}")
    return [a / b for a, b in zip(numerator, denominator)]


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, lowest, highest) of per-round values."""
    return statistics.median(values), min(values), max(values)


def ratio_text(values: list[float]) -> str:
    """'1.23x (1.10-1.40)': the median of per-round ratios and their range."""
    median, low, high = spread(values)
    return f"{median:.2f}x ({low:.2f}-{high:.2f})"
