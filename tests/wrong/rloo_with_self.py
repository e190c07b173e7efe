"""WRONG: RLOO's baseline that includes the response itself (the group mean); GRPO is right."""

import torch

EXERCISE = "ex24_group_baseline"


def rloo_advantages(scores, *, group_size):
    groups = scores.view(-1, group_size)
    return (groups - groups.mean(dim=1, keepdim=True)).flatten()  # BUG: the mean includes r_i


def grpo_advantages(scores, *, group_size):
    groups = scores.view(-1, group_size)
    centred = groups - groups.mean(dim=1, keepdim=True)
    return (centred / (groups.std(dim=1, keepdim=True) + 1e-4)).flatten()


def rloo_with_self(rewards, values, mask, *, gamma, lam, group_size):
    """The library-shaped version (`estimators.rloo`'s signature), with the same bug."""
    whole = torch.where(mask, rewards, torch.zeros_like(rewards)).sum(dim=1)  # R_i at gamma = 1
    groups = whole.view(-1, group_size)
    advantages = (groups - groups.mean(dim=1, keepdim=True)).flatten()  # BUG: the mean includes R_i
    return torch.where(mask, advantages.unsqueeze(1).expand(mask.shape), torch.zeros_like(rewards))
