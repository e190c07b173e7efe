"""WRONG: returns shifted by one token, G_t = sum_{k>t} gamma^(k-t-1) r_k (the token's own reward left out)."""

import torch

EXERCISE = "ex08_discounted_returns"


def discounted_returns(rewards: torch.Tensor, mask: torch.Tensor, *, gamma: float) -> torch.Tensor:
    """Like `advantages.discounted_returns`, but G_t starts at r_{t+1}. (B, T) in and out."""
    rewards = torch.where(mask, rewards, torch.zeros_like(rewards))
    returns = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        returns[:, t] = running  # BUG: stored before r_t is added
        running = rewards[:, t] + gamma * running
    return torch.where(mask, returns, torch.zeros_like(returns))


off_by_one_returns = discounted_returns
