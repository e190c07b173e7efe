"""WRONG: the actor loss summed over every position, pad tokens included."""

from __future__ import annotations

import torch


def unmasked_a2c_loss(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Like `losses.a2c_loss`, but `mask` is ignored. (B, T) inputs, () output."""
    return -(logprobs * advantages.detach()).sum(dim=1).mean()  # BUG: pads count
