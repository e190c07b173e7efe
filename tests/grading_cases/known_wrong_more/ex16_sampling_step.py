"""Known wrong: the logits are multiplied by the temperature, and the draw is greedy."""

import torch


def tempered_logprobs(logits, *, temperature):
    return torch.log_softmax(logits * temperature, dim=-1)


def inverse_cdf_draw(logprobs, uniforms):
    return logprobs.argmax(dim=-1)


def sample_step(logits, uniforms, *, temperature):
    logprobs = tempered_logprobs(logits, temperature=temperature)
    tokens = inverse_cdf_draw(logprobs, uniforms)
    return tokens, logprobs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
