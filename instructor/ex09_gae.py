"""ex09: generalised advantage estimation, GAE(gamma, lambda).

    delta_t = r_t + gamma * V_{t+1} - V_t          (V after the last real token is 0)
    A_t     = sum_{k >= 0} (gamma * lambda)^k * delta_{t+k}

lambda = 0 gives the one-step TD residual; lambda = 1 gives G_t - V_t.
Write it here in full, without importing ex08: each exercise is graded on its own.
Check it: `pytest exercises -k ex09`, or `check("ex09")` in a notebook.
"""

import torch


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, *, gamma: float, lam: float) -> torch.Tensor:
    """The GAE advantage A_t at every token.

    Args:
        rewards: (batch, time) float per-token rewards (pads may hold any number).
        values: (batch, time) float critic values V(x, y_<t) (pads may hold any number).
        mask: (batch, time) bool, True on generated, non-pad tokens (a prefix of each row).
        gamma: discount in [0, 1]; lam: lambda in [0, 1].
    Returns:
        (batch, time) float advantages, 0 where mask is False.
    """
    ### BEGIN SOLUTION
    zeros = torch.zeros_like(rewards)
    rewards, values = torch.where(mask, rewards, zeros), torch.where(mask, values, zeros)
    next_values = torch.cat([values[:, 1:], zeros[:, :1]], dim=1)
    deltas = rewards + gamma * next_values - values
    advantages = torch.zeros_like(deltas)
    following = zeros[:, 0]
    for t in reversed(range(deltas.shape[1])):
        following = deltas[:, t] + gamma * lam * following
        advantages[:, t] = following
    return torch.where(mask, advantages, zeros)
    ### END SOLUTION
