"""ex04: the utility of each sampled response.

    U(x, y) = sum_t log pi_theta(y_t | x, y_<t) * A_t

summed over the real tokens of the response only. The advantage is a fixed
weight: no gradient may flow into it (the critic learns from its own loss).
Check it: `pytest exercises -k ex04`, or `check("ex04")` in a notebook.
"""

import torch


def sequence_utility(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """One U per response.

    Args:
        logprobs: (batch, time) float, log pi_theta(y_t | x, y_<t) of the sampled tokens; carries the gradient.
        advantages: (batch, time) float, A_t; treat it as a constant.
        mask: (batch, time) bool, True on generated, non-pad tokens. Pad entries of
            the other tensors may hold any number.
    Returns:
        (batch,) float, U of each response.
    """
    ### BEGIN SOLUTION
    terms = logprobs * advantages.detach()
    return torch.where(mask, terms, torch.zeros_like(terms)).sum(dim=1)
    ### END SOLUTION
