"""Known wrong: no baseline, A = G (tests/wrong/no_baseline.py)."""

from tests.wrong import no_baseline_advantages


def gae(rewards, values, mask, *, gamma, lam):
    return no_baseline_advantages(rewards, values, mask, gamma=gamma)
