"""ex01: one sampling step: softmax with a temperature, then a draw.

    pi_T(v) = softmax(logits / T)_v

The draw is made deterministic by handing you the uniform random numbers: the
token drawn for u in [0, 1) is the first token whose cumulative probability
exceeds u (inverse-CDF sampling). Do not call torch.multinomial or torch.rand.
Check it: `pytest exercises -k ex01`, or `check("ex01")` in a notebook.
"""

import torch


def tempered_logprobs(logits: torch.Tensor, *, temperature: float) -> torch.Tensor:
    """log pi_T over the vocabulary.

    Args:
        logits: (batch, vocab) float, raw next-token logits.
        temperature: T > 0.
    Returns:
        (batch, vocab) float log-probabilities.
    """
    ### BEGIN SOLUTION
    return torch.log_softmax(logits / temperature, dim=-1)
    ### END SOLUTION


def inverse_cdf_draw(logprobs: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """The token whose interval of the cumulative distribution holds u.

    Args:
        logprobs: (batch, vocab) float, log pi_T of the next token.
        uniforms: (batch,) float in [0, 1).
    Returns:
        (batch,) long token ids.
    """
    ### BEGIN SOLUTION
    cdf = logprobs.exp().cumsum(dim=-1)
    tokens = (cdf <= uniforms.unsqueeze(-1)).sum(dim=-1)
    return tokens.clamp(max=logprobs.shape[-1] - 1)
    ### END SOLUTION


def sample_step(
    logits: torch.Tensor, uniforms: torch.Tensor, *, temperature: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step: tempered log-probs, a draw, and the log-prob of each drawn token.

    Args:
        logits: (batch, vocab) float; uniforms: (batch,) float in [0, 1); temperature: T > 0.
    Returns:
        tokens: (batch,) long; logprobs: (batch,) float, log pi_T(token).
    """
    ### BEGIN SOLUTION
    logprobs = tempered_logprobs(logits, temperature=temperature)
    tokens = inverse_cdf_draw(logprobs, uniforms)
    return tokens, logprobs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    ### END SOLUTION
