"""ex25: the Bradley-Terry loss that turns preference labels into a reward model.

For a prompt x and two completions where a person preferred y+ to y-, the
Bradley-Terry model says P(y+ preferred) = sigmoid(r(x, y+) - r(x, y-)). The reward
model r is fitted by minimising the negative log-likelihood of the labels:

    loss = mean over labelled pairs of  -log sigmoid( r(x, y+) - r(x, y-) )

The scores come in a batch of prompts, each with up to P labelled pairs; `mask`
marks the real pairs (a prompt with fewer labels is padded). Use a numerically
stable log-sigmoid: -log(sigmoid(d)) overflows for a very negative d.
Check it: `pytest exercises -k ex25`, or `check("ex25")` in a notebook.
"""

import torch


def bradley_terry_loss(chosen_scores: torch.Tensor, rejected_scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean Bradley-Terry loss over the real pairs.

    Args:
        chosen_scores: (batch, pairs) float, r(x, y+) of the preferred completions; carries the gradient.
        rejected_scores: (batch, pairs) float, r(x, y-) of the other completions; carries the gradient.
        mask: (batch, pairs) bool, True on real pairs (pads may hold any number).
    Returns:
        () float scalar.
    """
    ### BEGIN SOLUTION
    per_pair = -torch.nn.functional.logsigmoid(chosen_scores - rejected_scores)
    return torch.where(mask, per_pair, torch.zeros_like(per_pair)).sum() / mask.sum()
    ### END SOLUTION
