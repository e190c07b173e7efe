"""Judge a policy on fresh reviews: how many are positive (with an interval), and how far it moved from pi_ref.

Place in the data flow: beside the line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`, never inside it:
it samples from the policy and scores what it drew, but changes nothing. "90% positive"
is a claim about the policy, not about one training batch, so it is measured here on
n fresh reviews (2,000 by default) at temperature 1, untruncated, with a 95% Wilson
interval, and the KL to the reference is the per-sequence k1 estimate

    KL(pi || pi_ref) = E_{y ~ pi}[ sum_t log pi(y_t | x, y_<t) - log pi_ref(y_t | x, y_<t) ]

The trainer, the TRL comparison and lesson 7 all call `evaluate_policy`, so their
numbers are comparable: the same seed gives the same prompts and draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from a2c_lessons import losses
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.masked import masked_sum
from a2c_lessons.rewards import review_stats, wilson_interval
from a2c_lessons.sampling import sample
from a2c_lessons.scoring import logprobs_of

if TYPE_CHECKING:  # importing policy pulls in transformers
    from a2c_lessons.policy import Policy


@torch.no_grad()
def evaluate_policy(
    policy: Policy, ref_model, n: int = 2000, *, seed: int = 10_000, max_new_tokens: int = 24, batch_size: int = 500
) -> dict[str, float]:
    """Fraction positive and grammatical of n fresh reviews at temperature 1, untruncated, with a 95%
    interval for 'positive', and the mean per-sequence KL(pi || pi_ref) = E[sum_t log pi - log pi_ref] (k1,
    exact in expectation). The same seed gives the same draws, so methods can be judged alike."""
    was_training = policy.model.training
    policy.model.eval()  # another library's trainer may have left it in train mode
    generator = torch.Generator(policy.device).manual_seed(seed)
    reviews, kls = [], []
    for start in range(0, n, batch_size):
        prompts = [PROMPTS[(start + i) % len(PROMPTS)] for i in range(min(batch_size, n - start))]
        rollout = sample(policy, prompts, max_new_tokens, generator=generator)
        kl = losses.kl_k1(rollout.logprobs, logprobs_of(ref_model, rollout))  # (B, T)
        reviews += rollout.reviews
        kls.append(masked_sum(kl, rollout.mask, dim=1))  # (B,)
    policy.model.train(was_training)
    stats = review_stats(reviews)
    low, high = wilson_interval(round(stats["positive"] * n), n)
    return {**stats, "positive_low": low, "positive_high": high, "kl": float(torch.cat(kls).mean()), "n": n}
