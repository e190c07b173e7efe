"""PPO's clipped loss and the critic-free group baselines (RLOO, GRPO), against plain loops."""

import math

import pytest
import torch

from a2c_lessons.advantages import group_advantages
from a2c_lessons.losses import a2c_loss, ppo_clip_loss


def _reference_group(scores, group_size, leave_one_out):
    out = []
    for g in range(0, len(scores), group_size):
        group = scores[g : g + group_size]
        mean = sum(group) / group_size
        std = math.sqrt(sum((r - mean) ** 2 for r in group) / (group_size - 1))
        for i, r in enumerate(group):
            others = [x for j, x in enumerate(group) if j != i]
            out.append(r - sum(others) / len(others) if leave_one_out else (r - mean) / (std + 1e-4))
    return out


@pytest.mark.parametrize("leave_one_out", [True, False], ids=["rloo", "grpo"])
def test_group_advantages_match_a_plain_loop(seed, leave_one_out):
    scores = torch.randn(12, dtype=torch.float64)
    expected = _reference_group(scores.tolist(), 4, leave_one_out)
    assert group_advantages(scores, group_size=4, leave_one_out=leave_one_out).tolist() == pytest.approx(expected)


def test_rloo_by_hand():
    # group (1, 0, 0): 1 - 0 = 1, 0 - (1 + 0)/2 = -0.5 twice; a group of equal scores gives 0
    got = group_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0]), group_size=3, leave_one_out=True)
    assert got.tolist() == [1.0, -0.5, -0.5, 0.0, 0.0, 0.0]


def test_group_size_must_divide_the_batch():
    with pytest.raises(ValueError, match="group_size"):
        group_advantages(torch.zeros(5), group_size=2, leave_one_out=True)
    with pytest.raises(ValueError, match="scores"):
        group_advantages(torch.tensor([1.0, float("nan")]), group_size=2, leave_one_out=True)


def test_ppo_gradient_equals_a2c_gradient_at_ratio_one(seed):
    logprobs = (-torch.rand(3, 5, dtype=torch.float64) * 3).requires_grad_()
    advantages, mask = torch.randn(3, 5, dtype=torch.float64), torch.arange(5) < torch.tensor([[5], [2], [4]])
    ppo = torch.autograd.grad(ppo_clip_loss(logprobs, logprobs.detach(), advantages, mask), logprobs)[0]
    a2c = torch.autograd.grad(a2c_loss(logprobs, advantages, mask), logprobs)[0]
    assert torch.allclose(ppo, a2c)


def test_ppo_clips_the_gradient_once_the_ratio_left_the_trust_region():
    old = torch.log(torch.tensor([[0.5, 0.5]]))
    new = torch.log(torch.tensor([[0.7, 0.3]])).requires_grad_()  # rho = 1.4 and 0.6
    advantages, mask = torch.tensor([[1.0, -1.0]]), torch.ones(1, 2, dtype=torch.bool)
    grad = torch.autograd.grad(ppo_clip_loss(new, old, advantages, mask, clip=0.2), new)[0]
    assert grad.tolist() == [[0.0, 0.0]], "both moved past 1 +- 0.2 in the direction A favours: no more push"
    grad = torch.autograd.grad(ppo_clip_loss(new, old, -advantages, mask, clip=0.2), new)[0]
    assert (grad != 0).all(), "moving back toward the old policy is never clipped"
