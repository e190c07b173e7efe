"""WRONG: the KL term added to the reward: a bonus for leaving the reference model, not a penalty."""

import torch

EXERCISE = "ex17_kl_reward"


def kl_penalised_rewards(scores, logprobs, ref_logprobs, mask, *, kl_coef):
    zeros = torch.zeros_like(logprobs)
    kl = torch.where(mask, logprobs - ref_logprobs, zeros)
    last = mask.sum(dim=1, keepdim=True) - 1
    rewards = zeros.scatter(1, last, scores.unsqueeze(1).to(zeros.dtype))
    return torch.where(mask, rewards + kl_coef * kl, zeros)  # BUG: + instead of -
