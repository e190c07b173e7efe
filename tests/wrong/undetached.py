"""WRONG: the advantage is not detached, so the loss also trains whatever produced A (e.g. the critic)."""

import torch

EXERCISE = "ex04_sequence_utility"


def undetached_token_utility(logprobs: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """Like `losses.token_utility`, without `.detach()`. (B, T) in and out."""
    return logprobs * advantages  # BUG: gradient flows into the advantage


def sequence_utility(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Like `losses.sequence_utility`, built on the undetached term. (B, T) inputs, (B,) output."""
    terms = undetached_token_utility(logprobs, advantages)
    return torch.where(mask, terms, torch.zeros_like(terms)).sum(dim=1)
