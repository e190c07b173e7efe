"""WRONG: the discount is ignored, G_t = sum_{k>=t} r_k whatever gamma is."""

import torch

EXERCISE = "ex08_discounted_returns"


def discounted_returns(rewards: torch.Tensor, mask: torch.Tensor, *, gamma: float) -> torch.Tensor:
    """Like `advantages.discounted_returns` with gamma = 1 always. (B, T) in and out."""
    rewards = torch.where(mask, rewards, torch.zeros_like(rewards))
    returns = rewards.flip(1).cumsum(1).flip(1)  # BUG: no gamma
    return torch.where(mask, returns, torch.zeros_like(returns))
