"""ex24: baselines without a critic: RLOO and GRPO.

Sample several responses to the same prompt and use the others as the baseline.
With G responses per prompt (rows g*G .. g*G + G - 1 share a prompt):

    RLOO:  A_i = r_i - mean_{j != i} r_j                     (leave one out)
    GRPO:  A_i = (r_i - mean_j r_j) / (std_j r_j + 1e-4)       (std with Bessel's correction, over the group)

Each response gets one advantage, the same for all its tokens.
Check it: `pytest exercises -k ex24`, or `check("ex24")` in a notebook.
"""

import torch


def rloo_advantages(scores: torch.Tensor, *, group_size: int) -> torch.Tensor:
    """RLOO: each response's reward minus the mean reward of the other responses to its prompt.

    Args:
        scores: (batch,) float rewards; batch is a multiple of group_size, groups are consecutive.
        group_size: G >= 2, responses per prompt.
    Returns:
        (batch,) float advantages.
    """
    raise NotImplementedError("ex24: your answer to rloo_advantages goes here")


def grpo_advantages(scores: torch.Tensor, *, group_size: int) -> torch.Tensor:
    """GRPO: each response's reward, standardised within its group.

    Args:
        scores: (batch,) float rewards; batch is a multiple of group_size, groups are consecutive.
        group_size: G >= 2, responses per prompt.
    Returns:
        (batch,) float advantages.
    """
    raise NotImplementedError("ex24: your answer to grpo_advantages goes here")
