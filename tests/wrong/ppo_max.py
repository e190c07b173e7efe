"""WRONG: PPO's surrogate with max instead of min: the optimistic term, which removes the clip's protection."""

import torch

EXERCISE = "ex23_ppo_clip"


def ppo_clip_loss(new_logprobs, old_logprobs, advantages, mask, *, clip):
    ratio = torch.exp(new_logprobs - old_logprobs.detach())
    advantages = advantages.detach()
    surrogate = torch.maximum(ratio * advantages, ratio.clamp(1 - clip, 1 + clip) * advantages)  # BUG: max
    return -torch.where(mask, surrogate, torch.zeros_like(surrogate)).sum(dim=1).mean()
