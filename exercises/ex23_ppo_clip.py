"""ex23: PPO's clipped objective.

PPO reuses a batch for several gradient steps. To keep each step safe it weighs
every token's advantage by the probability ratio rho_t = pi_new(y_t) / pi_old(y_t),
and stops rewarding a move once the ratio has left [1 - eps, 1 + eps]:

    L = - mean over responses of  sum_t  min( rho_t * A_t,  clip(rho_t, 1 - eps, 1 + eps) * A_t )

summed over the real tokens of each response, as the A2C loss is. At rho = 1 its
gradient is exactly the A2C loss's gradient.
Check it: `pytest exercises -k ex23`, or `check("ex23")` in a notebook.
"""

import torch


def ppo_clip_loss(
    new_logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    clip: float,
) -> torch.Tensor:
    """The clipped surrogate loss of a batch.

    Args:
        new_logprobs: (batch, time) float, log pi under the current weights; carries the gradient.
        old_logprobs: (batch, time) float, log pi under the weights that sampled the batch (a constant).
        advantages: (batch, time) float, A_t (a constant).
        mask: (batch, time) bool, True on generated, non-pad tokens (pads may hold any number).
        clip: eps > 0.
    Returns:
        () float scalar.
    """
    raise NotImplementedError("ex23: your answer to ppo_clip_loss goes here")
