"""WRONG: predicts the other prompt moves as the update's own prompt does (the context ignored)."""

import torch

EXERCISE = "ex13_other_prompt"


def change_at_other_prompt(own_logits, own_direction, other_logits, other_direction, *, advantage, lr):
    own_probs = torch.softmax(own_logits, dim=-1)  # BUG: the update's own prompt, not x_o
    return lr * advantage * (own_direction - (own_probs * own_direction).sum())
