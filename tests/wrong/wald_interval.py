"""WRONG: the normal (Wald) interval instead of Wilson's, and a batch tail that starts one too late."""

import math

EXERCISE = "ex20_positive_interval"


def wilson_interval(k, n):
    p = k / n
    half = 1.96 * math.sqrt(p * (1 - p) / n)  # BUG: Wald, not Wilson
    return p - half, p + half


def batch_passes(p, n, threshold):
    smallest = math.ceil(threshold * n) + 1  # BUG: off by one
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(smallest, n + 1))


def one_batch_claim():
    return "c"
