"""WRONG: the sign bug, L = +E[U]. Minimising it makes tokens with A > 0 less likely."""

import torch

EXERCISE = "ex05_a2c_loss"


def a2c_loss(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Like `losses.a2c_loss`, with the minus sign dropped. (B, T) inputs, () output."""
    terms = torch.where(mask, logprobs * advantages.detach(), torch.zeros_like(logprobs))
    return terms.sum(dim=1).mean()  # BUG: +E[U]


flipped_sign_a2c_loss = a2c_loss
