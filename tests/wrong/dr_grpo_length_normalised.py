"""WRONG: Dr. GRPO's loss with GRPO's length normaliser put back: each response's token mean, which weighs a
short response's tokens more than a long one's (the bias Dr. GRPO removes by dividing by a constant)."""

import torch

EXERCISE = "ex05_a2c_loss"


def a2c_loss(logprobs, advantages, mask):
    terms = torch.where(mask, logprobs * advantages.detach(), torch.zeros_like(logprobs))
    return -(terms.sum(dim=1) / mask.sum(dim=1)).mean()  # BUG: 1 / |y_b| per response


def length_normalised_constant(terms, mask, *, max_new_tokens):
    """The library-shaped version (`aggregation.constant`'s signature), with the same bug."""
    kept = torch.where(mask, terms, torch.zeros_like(terms))
    return (kept.sum(dim=1) / mask.sum(dim=1)).mean()  # BUG: should be kept.sum() / (B * max_new_tokens)
