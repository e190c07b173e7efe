"""WRONG: lambda is ignored, A = G - V (the Monte Carlo advantage) for every lambda."""

import torch

EXERCISE = "ex09_gae"


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float) -> torch.Tensor:
    """Like `advantages.mc_advantages`, whatever lam is. (B, T) in and out."""
    zeros = torch.zeros_like(rewards)
    rewards, values = torch.where(mask, rewards, zeros), torch.where(mask, values, zeros)
    returns, running = torch.zeros_like(rewards), zeros[:, 0]
    for t in reversed(range(rewards.shape[1])):
        running = rewards[:, t] + gamma * running
        returns[:, t] = running
    return torch.where(mask, returns - values, zeros)  # BUG: lambda = 1 always
