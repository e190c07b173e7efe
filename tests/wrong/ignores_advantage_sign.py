"""WRONG: every update pushes its token up: the sign of A is ignored."""

import torch

EXERCISE = "ex13_other_prompt"


def change_at_other_prompt(own_logits, own_direction, other_logits, other_direction, *, advantage, lr):
    other_probs = torch.softmax(other_logits, dim=-1)
    return lr * abs(advantage) * (other_direction - (other_probs * other_direction).sum())  # BUG: |A|
