"""WRONG: the direction of each token's probability change is flipped."""

import torch

EXERCISE = "ex12_probability_direction"


def probability_direction(advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.where(mask, -torch.sign(advantages), torch.zeros_like(advantages)).long()  # BUG: minus
