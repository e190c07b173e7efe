"""WRONG: U summed over every position, pad tokens included."""

import torch

EXERCISE = "ex04_sequence_utility"


def sequence_utility(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Like `losses.sequence_utility`, but `mask` is ignored. (B, T) inputs, (B,) output."""
    return (logprobs * advantages.detach()).sum(dim=1)  # BUG: pads count
