"""Known wrong: the direction is flipped."""

import torch


def probability_direction(advantages, mask):
    return torch.where(mask, -torch.sign(advantages), torch.zeros_like(advantages)).long()
