"""Known wrong: the advantages are not detached (tests/wrong/undetached.py)."""

import torch

from tests.wrong import undetached_token_utility


def sequence_utility(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    terms = undetached_token_utility(logprobs, advantages)
    return torch.where(mask, terms, torch.zeros_like(terms)).sum(dim=1)
