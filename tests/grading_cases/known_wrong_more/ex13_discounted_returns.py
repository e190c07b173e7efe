"""Known wrong: gamma is ignored."""

import torch


def discounted_returns(rewards, mask, *, gamma):
    rewards = torch.where(mask, rewards, torch.zeros_like(rewards))
    returns = rewards.flip(1).cumsum(1).flip(1)
    return torch.where(mask, returns, torch.zeros_like(returns))
