"""WRONG: the advantage is not detached, so the loss also trains whatever produced A (e.g. the critic)."""

from __future__ import annotations

import torch


def undetached_token_utility(logprobs: torch.Tensor, advantages: torch.Tensor) -> torch.Tensor:
    """Like `losses.token_utility`, without `.detach()`. (B, T) in and out."""
    return logprobs * advantages  # BUG: gradient flows into the advantage
