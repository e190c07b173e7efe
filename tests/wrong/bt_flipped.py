"""WRONG: the Bradley-Terry difference the wrong way round, -log sigmoid(r(y-) - r(y+)): the opposite taste."""

import torch

EXERCISE = "ex25_bradley_terry"


def bradley_terry_loss(chosen_scores, rejected_scores, mask):
    per_pair = -torch.nn.functional.logsigmoid(rejected_scores - chosen_scores)  # BUG: flipped
    return torch.where(mask, per_pair, torch.zeros_like(per_pair)).sum() / mask.sum()
