"""ex05: the A2C actor loss, with a mask.

    L(theta) = - E[U],   U(x, y) = sum_t log pi_theta(y_t | x, y_<t) * A_t

with the expectation taken as the mean over the batch of responses, and the sum
over the real tokens of each response. Write it here in full, without importing
ex04: each exercise is graded on its own, so one mistake costs you once.
Check it: `pytest exercises -k ex05`, or `check("ex05")` in a notebook.
"""

import torch


def a2c_loss(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The actor loss L of a batch.

    Args:
        logprobs: (batch, time) float, log pi_theta of the sampled tokens; carries the gradient.
        advantages: (batch, time) float, A_t; treat it as a constant.
        mask: (batch, time) bool, True on generated, non-pad tokens (pads may hold any number).
    Returns:
        () float scalar.
    """
    ### BEGIN SOLUTION
    terms = torch.where(mask, logprobs * advantages.detach(), torch.zeros_like(logprobs))
    return -terms.sum(dim=1).mean()
    ### END SOLUTION
