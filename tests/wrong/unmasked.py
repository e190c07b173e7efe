"""WRONG: the actor loss summed over every position, pad tokens included."""

import torch

EXERCISE = "ex05_a2c_loss"


def a2c_loss(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Like `losses.a2c_loss`, but `mask` is ignored. (B, T) inputs, () output."""
    return -(logprobs * advantages.detach()).sum(dim=1).mean()  # BUG: pads count


unmasked_a2c_loss = a2c_loss
