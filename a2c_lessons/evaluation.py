"""Judge a policy on fresh reviews: how many are positive (with an interval), and how far it moved from pi_ref.

Place in the data flow: beside the line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`, never inside it:
it samples from the policy and scores what it drew, but changes nothing. "90% positive"
is a claim about the policy, not about one training batch, so it is measured here on
n fresh reviews (2,000 by default) at temperature 1, untruncated, with a 95% Wilson
interval, and the KL to the reference is the per-sequence k1 estimate

    KL(pi || pi_ref) = E_{y ~ pi}[ sum_t log pi(y_t | x, y_<t) - log pi_ref(y_t | x, y_<t) ]

The trainer, the TRL comparison and lesson 8 all call `evaluate_policy`, so their
numbers are comparable: the same seed gives the same prompts and draws. For a reward
learned from a few preference labels (lesson 9), `proxy_and_gold` puts the learned
(proxy) reward beside the true (gold) score, against sqrt(KL) as Gao, Schulman and
Hilton (2022) plot reward over-optimisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from a2c_lessons import losses
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.logpi import recompute_logprobs
from a2c_lessons.masked import masked_sum
from a2c_lessons.rewards import RewardFn, review_stats, score, wilson_interval
from a2c_lessons.sampling import sample

if TYPE_CHECKING:  # importing policy pulls in transformers
    from a2c_lessons.policy import Policy


@torch.no_grad()
def fresh_reviews(
    policy: Policy, ref_model, n: int, *, seed: int, max_new_tokens: int = 24, batch_size: int = 500
) -> tuple[list[str], torch.Tensor]:
    """n reviews drawn from the policy at temperature 1 (prompts in a fixed cycle), and each one's
    KL(pi || pi_ref) = sum_t log pi - log pi_ref (k1, exact in expectation): (n,) float."""
    was_training = policy.model.training
    policy.model.eval()  # another library's trainer may have left it in train mode
    generator = torch.Generator(policy.device).manual_seed(seed)
    reviews, kls = [], []
    for start in range(0, n, batch_size):
        prompts = [PROMPTS[(start + i) % len(PROMPTS)] for i in range(min(batch_size, n - start))]
        rollout = sample(policy, prompts, max_new_tokens, generator=generator)
        kl = losses.kl_k1(rollout.logprobs, recompute_logprobs(ref_model, rollout))  # (B, T)
        reviews += rollout.reviews
        kls.append(masked_sum(kl, rollout.mask, dim=1))  # (B,)
    policy.model.train(was_training)
    return reviews, torch.cat(kls)


def evaluate_policy(
    policy: Policy, ref_model, n: int = 2000, *, seed: int = 10_000, max_new_tokens: int = 24, batch_size: int = 500
) -> dict[str, float]:
    """Fraction positive and grammatical of n fresh reviews at temperature 1, untruncated, with a 95%
    interval for 'positive', and the mean per-sequence KL(pi || pi_ref). The same seed gives the same
    draws, so methods can be judged alike."""
    reviews, kls = fresh_reviews(policy, ref_model, n, seed=seed, max_new_tokens=max_new_tokens, batch_size=batch_size)
    stats = review_stats(reviews)
    low, high = wilson_interval(round(stats["positive"] * n), n)
    return {**stats, "positive_low": low, "positive_high": high, "kl": float(kls.mean()), "n": n}


def proxy_and_gold(
    policy: Policy,
    ref_model,
    proxy: RewardFn,
    gold: Callable[[str], float],
    n: int = 256,
    *,
    seed: int = 10_000,
    max_new_tokens: int = 24,
) -> dict[str, float]:
    """The mean proxy reward and mean gold score of n fresh reviews, their KL to pi_ref and its square root.

    Args:
        proxy: the learned reward the policy is trained on (any `RewardFn`).
        gold: the true score of one review (e.g. `preferences.Taste.gold`).
    """
    reviews, kls = fresh_reviews(policy, ref_model, n, seed=seed, max_new_tokens=max_new_tokens)
    kl, hits = float(kls.mean()), sum(map(gold, reviews))
    low, high = wilson_interval(round(hits), n)  # the interval of a share, when gold is 0 or 1
    return {
        "proxy": float(score(proxy, reviews).mean()),
        "gold": hits / n,
        "gold_low": low,
        "gold_high": high,
        "kl": kl,
        "sqrt_kl": math.sqrt(max(kl, 0.0)),
        "grammatical": review_stats(reviews)["grammatical"],
        "n": n,
    }
