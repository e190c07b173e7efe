"""WRONG: one direction per response instead of one per token (a wrong shape)."""

import torch

EXERCISE = "ex12_probability_direction"


def probability_direction(advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.sign(advantages.sum(dim=1)).long()  # BUG: (B,) instead of (B, T)
