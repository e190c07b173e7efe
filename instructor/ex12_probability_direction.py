"""ex12: which way does a token's probability move?

After one small gradient-descent step on the actor loss L = -E[U], does
pi(y_t | x, y_<t) of each sampled token go up (+1), down (-1), or stay the same (0)?
(Each token here has its own softmax, so tokens do not interact.)
Check it: `pytest exercises -k ex12`, or `check("ex12")` in a notebook.
"""

import torch


def probability_direction(advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The direction of each sampled token's probability change.

    Args:
        advantages: (batch, time) float, A_t (some may be exactly 0; pads may hold any number).
        mask: (batch, time) bool, True on generated, non-pad tokens.
    Returns:
        (batch, time) integer tensor of +1, -1 or 0.
    """
    ### BEGIN SOLUTION
    return torch.where(mask, torch.sign(advantages), torch.zeros_like(advantages)).long()
    ### END SOLUTION
