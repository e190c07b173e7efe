"""WRONG: the critic loss without its factor 0.5."""

import torch

EXERCISE = "ex16_critic_loss"


def critic_loss(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Like `losses.critic_loss`, twice as large. (B, T) inputs, () output."""
    errors = (values - returns.detach()) ** 2
    return torch.where(mask, errors, torch.zeros_like(errors)).sum() / mask.sum()  # BUG: no 0.5
