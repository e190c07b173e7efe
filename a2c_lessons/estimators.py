"""The advantage estimators of the policy-gradient family, one function each, chosen by name in `ESTIMATORS`.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> **advantages** -> a2c_loss -> step.

    gae                 A_t = sum_{k>=0} (gamma * lambda)^k * delta_{t+k}      A2C: needs the critic's V
    reinforce           A_t = G_t                                            the reward-to-go, no baseline
    reinforce-baseline  A_t = G_t - mean_batch(G)                            one constant baseline per batch
    rloo                A_i = R_i - mean_{j != i} R_j                        leave one out (Ahmadian et al. 2024)
    grpo                A_i = (R_i - mean_j R_j) / (std_j R_j + 1e-4)        Shao et al. 2024
    dr-grpo             A_i = R_i - mean_j R_j                               no std (Liu et al. 2025)

G_t = sum_{k>=t} gamma^(k-t) r_k is the return from token t of the KL-penalised rewards r, and R_i = G_0 the
whole return of response i. The last three compare the G completions of one prompt, which sit in rows
g * G .. (g + 1) * G - 1 of the batch, and give every token of response i the same A_i.

Every estimator has one signature, so the trainer calls the one its config names without asking which:

    estimator(rewards, values, mask, *, gamma, lam, group_size) -> advantages

rewards, values, advantages: (batch, time) float; mask: (batch, time) bool, True on generated, non-pad tokens (a
prefix of each row). An estimator that needs no critic ignores `values`; one that needs no group ignores
`group_size`; only `gae` reads `lam`. Every output is exactly 0 where mask is False.
"""

from __future__ import annotations

import typing

import torch

from a2c_lessons import advantages as adv
from a2c_lessons.masked import check_response_mask, check_shape, masked_mean, zero_masked

GRPO_STD_EPS = 1e-4  # added to the group's std, as GRPO's reference code does, so a tied group gives A = 0


class Estimator(typing.NamedTuple):
    """An advantage function and what the trainer must give it: a trained critic, a batch in groups."""

    fn: typing.Callable[..., torch.Tensor]
    uses_critic: bool
    grouped: bool


def gae(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float, group_size: int
) -> torch.Tensor:
    """A2C's advantage: GAE(gamma, lambda) against the critic's V (`advantages.gae`). Shapes: module docstring."""
    return adv.gae(rewards, values, mask, gamma=gamma, lam=lam)


def reinforce(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float, group_size: int
) -> torch.Tensor:
    """REINFORCE with reward-to-go: A_t = G_t, no baseline (Williams 1992). Shapes: module docstring."""
    check_response_mask(mask, (rewards, "rewards"), (values, "values"))
    return adv.discounted_returns(rewards, mask, gamma=gamma)


def reinforce_baseline(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float, group_size: int
) -> torch.Tensor:
    """REINFORCE with one constant baseline: A_t = G_t - (the mean of G over the batch's real tokens), no critic."""
    check_response_mask(mask, (rewards, "rewards"), (values, "values"))
    returns = adv.discounted_returns(rewards, mask, gamma=gamma)
    return zero_masked(returns - masked_mean(returns, mask), mask)


def rloo(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float, group_size: int
) -> torch.Tensor:
    """RLOO: A_i = R_i - mean_{j != i} R_j over the group of response i, on every token of it."""
    groups = _group_returns(rewards, values, mask, gamma=gamma, group_size=group_size)  # (B / G, G)
    others_mean = (groups.sum(dim=1, keepdim=True) - groups) / (group_size - 1)
    return _on_every_token(groups - others_mean, mask)


def grpo(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float, group_size: int
) -> torch.Tensor:
    """GRPO: A_i = (R_i - mean_j R_j) / (std_j R_j + 1e-4), std with Bessel's correction, on every token."""
    groups = _group_returns(rewards, values, mask, gamma=gamma, group_size=group_size)  # (B / G, G)
    centred = groups - groups.mean(dim=1, keepdim=True)
    return _on_every_token(centred / (groups.std(dim=1, keepdim=True) + GRPO_STD_EPS), mask)


def dr_grpo(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float, group_size: int
) -> torch.Tensor:
    """Dr. GRPO: A_i = R_i - mean_j R_j, GRPO without the std (its loss drops the length normaliser too)."""
    groups = _group_returns(rewards, values, mask, gamma=gamma, group_size=group_size)  # (B / G, G)
    return _on_every_token(groups - groups.mean(dim=1, keepdim=True), mask)


# one table, read once by the trainer: the config's name -> the estimator
ESTIMATORS: dict[str, Estimator] = {
    "gae": Estimator(gae, uses_critic=True, grouped=False),
    "reinforce": Estimator(reinforce, uses_critic=False, grouped=False),
    "reinforce-baseline": Estimator(reinforce_baseline, uses_critic=False, grouped=False),
    "rloo": Estimator(rloo, uses_critic=False, grouped=True),
    "grpo": Estimator(grpo, uses_critic=False, grouped=True),
    "dr-grpo": Estimator(dr_grpo, uses_critic=False, grouped=True),
}


def sign_flipped(estimator: Estimator) -> Estimator:
    """The sign bug as a building block (lessons 5 and 7): the estimator's advantages negated, A -> -A.

    Training on -A minimises -E[sum_t log pi * (-A_t)] = +E[U]: the model learns what the reward dislikes, and a
    KL penalty folded into the rewards becomes a bonus. `A2CTrainer(cfg, estimator=sign_flipped(ESTIMATORS["gae"]))`
    runs it; the production loop holds no switch for it."""

    def negated(*args: torch.Tensor, **kwargs: typing.Any) -> torch.Tensor:
        return -estimator.fn(*args, **kwargs)

    negated.__name__ = f"sign_flipped_{estimator.fn.__name__}"
    return estimator._replace(fn=negated)


# ---------------------------------------------------------------- helpers: groups of completions


def _group_returns(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, group_size: int
) -> torch.Tensor:
    """R_i = G_0 of each response, as (batch / group_size, group_size): one row per prompt."""
    check_response_mask(mask, (rewards, "rewards"), (values, "values"))
    batch = mask.shape[0]
    if group_size < 2 or batch % group_size:
        raise ValueError(f"group_size must be >= 2 and divide the batch ({batch}), got group_size={group_size}")
    whole_returns = adv.discounted_returns(rewards, mask, gamma=gamma)[:, 0]  # (B,) the return from the first token
    return whole_returns.view(batch // group_size, group_size)


def _on_every_token(per_response: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B / G, G) advantages, one per response -> (B, T): the response's A on each of its real tokens, 0 on pads."""
    flat = per_response.flatten()  # (B,)
    check_shape(flat, (mask.shape[0],), "per-response advantages")
    return zero_masked(flat.unsqueeze(1).expand(mask.shape), mask)  # (B, T)
