"""WRONG: PPO's clip on the wrong side: the gradient is cut where the ratio has moved against A (rho < 1 - eps with
A > 0, rho > 1 + eps with A < 0), so the tokens it should stop keep being pushed, and the ones to recover stay."""

import torch

EXERCISE = "ex23_ppo_clip"


def _cut(ratio, advantages, clip):
    return ((advantages > 0) & (ratio < 1 - clip)) | ((advantages < 0) & (ratio > 1 + clip))  # BUG: sides swapped


def ppo_clip_loss(new_logprobs, old_logprobs, advantages, mask, *, clip):
    ratio = torch.exp(new_logprobs - old_logprobs.detach())
    advantages = advantages.detach()
    surrogate = torch.where(_cut(ratio.detach(), advantages, clip), ratio.detach() * advantages, ratio * advantages)
    return -torch.where(mask, surrogate, torch.zeros_like(surrogate)).sum(dim=1).mean()


def clipped_token_utility_wrong_side(new_logprobs, old_logprobs, advantages, mask, *, clip):
    """The library-shaped version (`ppo.clipped_token_utility`'s signature), with the same bug."""
    ratio = torch.exp(new_logprobs - old_logprobs.detach()).detach()
    advantages = advantages.detach()
    weight = torch.where(_cut(ratio, advantages, clip), torch.zeros_like(ratio), ratio)
    return torch.where(mask, weight * new_logprobs * advantages, torch.zeros_like(new_logprobs))
