"""WRONG: the sign bug, L = +E[U]. Minimising it makes tokens with A > 0 less likely."""

from __future__ import annotations

import torch

from a2c_lessons.masked import masked_sum


def flipped_sign_a2c_loss(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Like `losses.a2c_loss`, with the minus sign dropped. (B, T) inputs, () output."""
    return masked_sum(logprobs * advantages.detach(), mask, dim=1).mean()  # BUG: +E[U]
