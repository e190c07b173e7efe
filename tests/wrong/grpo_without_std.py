"""WRONG: GRPO without the group's standard deviation (which is Dr. GRPO's estimator, not GRPO's); RLOO is right."""

import torch

EXERCISE = "ex24_group_baseline"


def rloo_advantages(scores, *, group_size):
    groups = scores.view(-1, group_size)
    return (groups - (groups.sum(dim=1, keepdim=True) - groups) / (group_size - 1)).flatten()


def grpo_advantages(scores, *, group_size):
    groups = scores.view(-1, group_size)
    return (groups - groups.mean(dim=1, keepdim=True)).flatten()  # BUG: not divided by the group's std


def grpo_without_std(rewards, values, mask, *, gamma, lam, group_size):
    """The library-shaped version (`estimators.grpo`'s signature), with the same bug."""
    whole = torch.where(mask, rewards, torch.zeros_like(rewards)).sum(dim=1)  # R_i at gamma = 1
    groups = whole.view(-1, group_size)
    advantages = (groups - groups.mean(dim=1, keepdim=True)).flatten()  # BUG: no std
    return torch.where(mask, advantages.unsqueeze(1).expand(mask.shape), torch.zeros_like(rewards))
