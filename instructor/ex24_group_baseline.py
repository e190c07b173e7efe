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
    ### BEGIN SOLUTION
    groups = scores.view(-1, group_size)
    others_mean = (groups.sum(dim=1, keepdim=True) - groups) / (group_size - 1)
    return (groups - others_mean).flatten()
    ### END SOLUTION


def grpo_advantages(scores: torch.Tensor, *, group_size: int) -> torch.Tensor:
    """GRPO: each response's reward, standardised within its group.

    Args:
        scores: (batch,) float rewards; batch is a multiple of group_size, groups are consecutive.
        group_size: G >= 2, responses per prompt.
    Returns:
        (batch,) float advantages.
    """
    ### BEGIN SOLUTION
    groups = scores.view(-1, group_size)
    centred = groups - groups.mean(dim=1, keepdim=True)
    return (centred / (groups.std(dim=1, keepdim=True) + 1e-4)).flatten()
    ### END SOLUTION
