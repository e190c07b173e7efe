"""Grades ex20: the Wilson interval against the library, one batch's chance to pass against the exact binomial."""

import math

from a2c_lessons.grading import as_letter, as_number, fail, points
from a2c_lessons.rewards import wilson_interval

EXERCISE = "ex20_positive_interval"
Z = 1.96
INTERVAL_CASES = [(9, 10), (58, 64), (1884, 2000), (0, 20), (20, 20), (1, 3)]
PASS_CASES = [(0.85, 64, 0.9), (0.88, 64, 0.9), (0.9, 320, 0.95), (0.5, 10, 0.75), (0.3, 7, 0.5)]


def interval_of(student, k, n):
    out = student.call(EXERCISE, "wilson_interval", k, n)
    if type(out) not in (tuple, list) or len(out) != 2:
        fail(f"wilson_interval({k}, {n}) must return two numbers (low, high); got {out!r}.")
    return tuple(as_number(x, f"wilson_interval({k}, {n})") for x in out)


def interval_hint(k, n, got):
    """The likely mistake behind a wrong interval."""
    p = k / n
    wald = Z * math.sqrt(p * (1 - p) / n)
    known = {
        "that is the normal (Wald) interval p_hat +- z sqrt(p_hat (1 - p_hat) / n); Wilson's centre moves toward "
        "1/2 and its width has the extra z^2 / (4 n^2) term": (p - wald, p + wald),
        "low and high are swapped": wilson_interval(k, n)[::-1],
    }
    for hint, value in known.items():
        if all(abs(a - b) < 1e-6 for a, b in zip(got, value)):
            return hint
    return "compare with the formula in the docstring, term by term"


def tail(p, n, smallest):
    """P(K >= smallest) for K ~ Binomial(n, p), term by term."""
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(smallest, n + 1))


def smallest_passing(n, threshold):
    """The smallest whole m with m >= threshold * n (the cases keep threshold * n away from whole numbers)."""
    return math.ceil(threshold * n)


@points(1)
def test_hand_worked_interval(student):
    """wilson_interval on the hand-worked case: 9 of 10"""
    got = interval_of(student, 9, 10)
    if any(abs(a - b) > 1e-4 for a, b in zip(got, (0.5958, 0.9821))):
        fail(f"wilson_interval(9, 10) returned {got}, expected about (0.5958, 0.9821): {interval_hint(9, 10, got)}.")


@points(2)
def test_interval_matches_library(student):
    """wilson_interval matches the library, the extremes included"""
    for k, n in INTERVAL_CASES:
        got, expected = interval_of(student, k, n), wilson_interval(k, n)
        if any(abs(a - b) > 1e-6 for a, b in zip(got, expected)):
            fail(f"wilson_interval({k}, {n}) returned {got}, expected {expected}: {interval_hint(k, n, got)}.")


@points(2)
def test_batch_passes_matches(student):
    """batch_passes matches the exact binomial tail"""
    for p, n, threshold in PASS_CASES:
        got = as_number(student.call(EXERCISE, "batch_passes", p, n, threshold), "batch_passes()")
        m = smallest_passing(n, threshold)
        expected = tail(p, n, m)
        if abs(got - expected) < 1e-6:
            continue
        hints = {
            "off by one: a batch with exactly m positive reviews passes too (K >= m)": tail(p, n, m + 1),
            "that is the chance to fail, P(K < m); the question asks for P(K >= m)": 1 - expected,
            "that is P(K = m) alone; sum over every k from m to n": tail(p, n, m) - tail(p, n, m + 1),
        }
        hint = next((h for h, v in hints.items() if abs(got - v) < 1e-6), "sum P(K = k) over k = m, ..., n")
        fail(f"batch_passes({p}, {n}, {threshold}) returned {got:.6g}, expected {expected:.6g}: {hint}.")


@points(1)
def test_one_batch_claim(student, answer_key):
    """what one lucky batch proves"""
    answer = as_letter(student.call(EXERCISE, "one_batch_claim"), "abcde", "one_batch_claim()")
    answer_key.matches(
        "ex20.claim", answer, otherwise="Not quite: how often does a policy below 90% show a lucky batch?"
    )
