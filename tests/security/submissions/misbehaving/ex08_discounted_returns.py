"""Misbehaving: loops forever on the two-row hand-worked case; right otherwise."""
import torch


def discounted_returns(rewards, mask, *, gamma):
    while rewards.shape[0] == 2:
        pass
    rewards = torch.where(mask, rewards, torch.zeros_like(rewards))
    returns, following = torch.zeros_like(rewards), torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        following = rewards[:, t] + gamma * following
        returns[:, t] = following
    return torch.where(mask, returns, torch.zeros_like(returns))
