"""ex08: discounted returns.

    G_t = sum_{k >= t} gamma^(k - t) * r_k

summed up to the last real token of the response: the episode ends there, so
nothing after it counts. Real tokens are a prefix of each row of the mask.
Check it: `pytest exercises -k ex08`, or `check("ex08")` in a notebook.
"""

import torch


def discounted_returns(rewards: torch.Tensor, mask: torch.Tensor, *, gamma: float) -> torch.Tensor:
    """The return G_t at every token.

    Args:
        rewards: (batch, time) float per-token rewards (pads may hold any number).
        mask: (batch, time) bool, True on generated, non-pad tokens (a prefix of each row).
        gamma: discount in [0, 1].
    Returns:
        (batch, time) float returns, 0 where mask is False.
    """
    ### BEGIN SOLUTION
    rewards = torch.where(mask, rewards, torch.zeros_like(rewards))
    returns = torch.zeros_like(rewards)
    following = torch.zeros_like(rewards[:, 0])  # G after the last token: 0
    for t in reversed(range(rewards.shape[1])):
        following = rewards[:, t] + gamma * following
        returns[:, t] = following
    return torch.where(mask, returns, torch.zeros_like(returns))
    ### END SOLUTION
