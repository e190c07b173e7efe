"""WRONG: no baseline. The return G_t is used as the advantage, and V is ignored."""

import torch

EXERCISE = "ex09_gae"


def _returns(rewards: torch.Tensor, mask: torch.Tensor, gamma: float) -> torch.Tensor:
    rewards = torch.where(mask, rewards, torch.zeros_like(rewards))
    returns, running = torch.zeros_like(rewards), torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        running = rewards[:, t] + gamma * running
        returns[:, t] = running
    return torch.where(mask, returns, torch.zeros_like(returns))


def no_baseline_advantages(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float
) -> torch.Tensor:
    """Like `advantages.mc_advantages`, without subtracting V. (B, T) in and out."""
    return _returns(rewards, mask, gamma)  # BUG: should be G - V


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float) -> torch.Tensor:
    """The exercise's gae, answered with A = G whatever lambda and V are. (B, T) in and out."""
    return no_baseline_advantages(rewards, values, mask, gamma=gamma)
