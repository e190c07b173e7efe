"""Known wrong: the factor 0.5 is missing."""

import torch


def critic_loss(values, returns, mask):
    errors = (values - returns.detach()) ** 2
    return torch.where(mask, errors, torch.zeros_like(errors)).sum() / mask.sum()
