"""WRONG: no baseline. The return G_t is used as the advantage, and V is ignored."""

from __future__ import annotations

import torch

from a2c_lessons.advantages import discounted_returns


def no_baseline_advantages(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float
) -> torch.Tensor:
    """Like `advantages.mc_advantages`, without subtracting V. (B, T) in and out."""
    return discounted_returns(rewards, mask, gamma=gamma)  # BUG: should be G - V
