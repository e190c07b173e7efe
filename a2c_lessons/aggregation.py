"""Loss aggregation: how the per-token terms log pi(y_t) * A_t of a batch reduce to one number.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> **a2c_loss** -> step.

With x_{b,t} the per-token terms, |y_b| the length of response b, B the batch and T_max the generation budget:

    sequence-sum   (1/B) sum_b sum_t x_{b,t}             the seed's U = sum_t (A2C here, `losses.a2c_loss`)
    token-mean     sum_{b,t} x_{b,t} / sum_b |y_b|         every token of the batch weighs the same (TRL's DAPO)
    sequence-mean  (1/B) sum_b (1/|y_b|) sum_t x_{b,t}     the original GRPO: a long response's tokens weigh less
    constant       sum_{b,t} x_{b,t} / (B * T_max)         Dr. GRPO: sequence-sum over a constant, no length bias

Within one batch sequence-sum, token-mean and constant differ only by a scale; sequence-mean reweighs responses by
1 / length, which favours short right answers and long wrong ones (Liu et al. 2025). Across batches token-mean
changes scale with the batch's lengths. Under Adam the scale matters little; the reweighing does.

Every aggregation has one signature, so the trainer calls the one its config names:

    aggregate(terms, mask, *, max_new_tokens) -> () scalar

terms: (batch, time) float; mask: (batch, time) bool, True on generated, non-pad tokens; max_new_tokens: T_max
(only `constant` reads it). Under data parallel each process aggregates its slice and the processes average.
"""

from __future__ import annotations

import typing

import torch

from a2c_lessons.masked import check_token_inputs, masked_mean, masked_sum


def sequence_sum(terms: torch.Tensor, mask: torch.Tensor, *, max_new_tokens: int) -> torch.Tensor:
    """(1/B) sum_b sum_t x_{b,t}: each response's sum, averaged over the batch. () scalar."""
    check_token_inputs(mask, terms=terms)
    return masked_sum(terms, mask, dim=1).mean()  # (B,) -> ()


def token_mean(terms: torch.Tensor, mask: torch.Tensor, *, max_new_tokens: int) -> torch.Tensor:
    """sum_{b,t} x_{b,t} / (number of real tokens): one mean over all tokens of the batch. () scalar."""
    check_token_inputs(mask, terms=terms)
    return masked_mean(terms, mask)


def sequence_mean(terms: torch.Tensor, mask: torch.Tensor, *, max_new_tokens: int) -> torch.Tensor:
    """(1/B) sum_b mean_t x_{b,t}: each response's token mean, then the batch mean. () scalar."""
    check_token_inputs(mask, terms=terms)
    return masked_mean(terms, mask, dim=1).mean()  # (B,) -> ()


def constant(terms: torch.Tensor, mask: torch.Tensor, *, max_new_tokens: int) -> torch.Tensor:
    """sum_{b,t} x_{b,t} / (B * max_new_tokens): the sum over a constant that no length changes. () scalar."""
    check_token_inputs(mask, terms=terms)
    if max_new_tokens < mask.shape[1]:
        raise ValueError(f"max_new_tokens ({max_new_tokens}) must be at least the responses' time ({mask.shape[1]})")
    return masked_sum(terms, mask) / (mask.shape[0] * max_new_tokens)


# one table, read once by the trainer: the config's name -> the aggregation
AGGREGATIONS: dict[str, typing.Callable[..., torch.Tensor]] = {
    "sequence-sum": sequence_sum,
    "token-mean": token_mean,
    "sequence-mean": sequence_mean,
    "constant": constant,
}
