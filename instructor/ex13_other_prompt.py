"""ex13: which way, and how far, does an update move a token at a DIFFERENT prompt?

One SGD step of size lr on the A2C term -A log pi(y_u | x_u) (the update's own prompt x_u, its token y_u)
moves the weights by lr A g_u, g_u = grad_theta log pi(y_u | x_u). Every prompt shares those weights, so the
logits z(x) at any prompt x move, to first order, by lr A d(x), with d(x) = J(x) g_u (J(x) = dz(x)/dtheta).
You are given z and d at the update's own prompt and at another prompt x_o. Predict the first-order change
of log pi(v | x_o) for every token v, before any step is run: the grader then takes the real step on the tiny LM.

Hint: a change of the logits is not a change of the log-probs: log softmax subtracts the log of the
normaliser, and adding the same number to every logit changes no probability.
Check it: `pytest exercises -k ex13`, or `check("ex13")` in a notebook.
"""

import torch


def change_at_other_prompt(
    own_logits: torch.Tensor,
    own_direction: torch.Tensor,
    other_logits: torch.Tensor,
    other_direction: torch.Tensor,
    *,
    advantage: float,
    lr: float,
) -> torch.Tensor:
    """The first-order change of log pi(. | x_o) that one SGD step on -A log pi(y_u | x_u) makes.

    Args:
        own_logits: (vocab,) float, z(x_u), the logits after the update's own prompt.
        own_direction: (vocab,) float, d(x_u) = J(x_u) g_u.
        other_logits: (vocab,) float, z(x_o), the logits after the other prompt.
        other_direction: (vocab,) float, d(x_o) = J(x_o) g_u.
        advantage: A, the update's advantage (either sign). lr: the step size, > 0.
    Returns:
        (vocab,) float: Delta log pi(v | x_o) for every token v, to first order in lr.
    """
    ### BEGIN SOLUTION
    other_probs = torch.softmax(other_logits, dim=-1)
    return lr * advantage * (other_direction - (other_probs * other_direction).sum())
    ### END SOLUTION
