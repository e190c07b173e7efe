"""WRONG: the logits multiplied by the temperature instead of divided, and a greedy draw."""

import torch

EXERCISE = "ex01_sampling_step"


def tempered_logprobs(logits: torch.Tensor, *, temperature: float) -> torch.Tensor:
    return torch.log_softmax(logits * temperature, dim=-1)  # BUG: * instead of /


def inverse_cdf_draw(logprobs: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    return logprobs.argmax(dim=-1)  # BUG: the most likely token, not a draw


def sample_step(logits: torch.Tensor, uniforms: torch.Tensor, *, temperature: float):
    logprobs = tempered_logprobs(logits, temperature=temperature)
    tokens = inverse_cdf_draw(logprobs, uniforms)
    return tokens, logprobs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
