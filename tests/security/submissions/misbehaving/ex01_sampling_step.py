"""Misbehaving: NaN log-probs, a list instead of a tensor, and a ValueError."""

import torch


def tempered_logprobs(logits, *, temperature):
    return torch.full_like(logits, float("nan"))


def inverse_cdf_draw(logprobs, uniforms):
    return [0] * logprobs.shape[0]


def sample_step(logits, uniforms, *, temperature):
    raise ValueError("not done")
