"""ex16: the critic's loss.

    L_V = 0.5 * mean over real tokens of (V(x, y_<t) - G^lambda_t)^2

The targets G^lambda_t = A_t + V_t are the lambda-returns of lesson 5 (with lambda = 1,
the Monte Carlo return G_t of lesson 3). They are targets: no gradient may flow into them.
Check it: `pytest exercises -k ex16`, or `check("ex16")` in a notebook.
"""

import torch


def critic_loss(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The value head's squared error.

    Args:
        values: (batch, time) float, V(x, y_<t); carries the gradient.
        returns: (batch, time) float, the targets G^lambda_t; treat them as constants.
        mask: (batch, time) bool, True on generated, non-pad tokens (pads may hold any number).
    Returns:
        () float scalar: the mean over all real tokens of the batch.
    """
    raise NotImplementedError("ex16: your answer to critic_loss goes here")
