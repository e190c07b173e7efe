"""WRONG: the critic's targets are not detached, so the loss also moves whatever produced them."""

import torch

EXERCISE = "ex16_critic_loss"


def critic_loss(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Like `losses.critic_loss`, without `.detach()` on the returns. (B, T) inputs, () output."""
    errors = (values - returns) ** 2  # BUG: gradient flows into the returns
    return 0.5 * torch.where(mask, errors, torch.zeros_like(errors)).sum() / mask.sum()
