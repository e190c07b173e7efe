"""Grades ex08: G_t = sum_{k>=t} gamma^(k-t) r_k over real tokens, against advantages.discounted_returns."""

import torch

from a2c_lessons import advantages
from a2c_lessons.grading import RandomInputs, expect_close, expect_tensor, full_mask, points, random_batch

EXERCISE = "ex08_discounted_returns"


def returns_of(student, batch, gamma):
    out = student.call(EXERCISE, "discounted_returns", *batch.inputs("rewards", "mask"), gamma=gamma)
    b, t = batch.shape
    return expect_tensor(out, "discounted_returns", (b, t), hints={(b,): "Return one G_t per token, not per response."})


def known_wrong(rewards, mask, gamma):
    """message -> what a known-wrong version returns on these inputs."""
    returns = advantages.discounted_returns(rewards, mask, gamma=gamma)
    shifted = torch.cat([returns[:, 1:], torch.zeros_like(returns[:, :1])], dim=1)  # G_{t+1}
    from_start = gamma ** torch.arange(mask.shape[1], dtype=rewards.dtype)  # gamma^k instead of gamma^(k-t)
    unmasked = advantages.discounted_returns(rewards, full_mask(mask), gamma=gamma)
    return {
        "off by one: G_t must include the token's own reward r_t (yours starts at r_{t+1}).": torch.where(
            mask, shifted, 0.0
        ),
        "gamma is ignored: later rewards count gamma^(k-t) times.": advantages.discounted_returns(
            rewards, mask, gamma=1.0
        ),
        "the discount runs from the start of the response (gamma^k); it runs from t (gamma^(k-t)).": (
            advantages.discounted_returns(rewards * from_start, mask, gamma=1.0)
        ),
        "the mask is ignored: rewards on pad tokens must not count.": unmasked,
        "the mask is ignored on the inputs: rewards on pad tokens must not flow back into G.": torch.where(
            mask, unmasked, 0.0
        ),
    }


def grade_returns(student, batch, gamma):
    expected = advantages.discounted_returns(batch.rewards, batch.mask, gamma=gamma)
    got = returns_of(student, batch, gamma)
    case = f"{batch.describe()} with gamma={gamma}"
    expect_close(
        got, expected, "discounted_returns", case, wrong=known_wrong(batch.rewards, batch.mask, gamma), mask=batch.mask
    )


@points(1)
def test_one_return_per_token(student):
    """discounted_returns returns one G_t per token"""
    returns_of(student, random_batch(130), 0.9)


@points(1)
def test_hand_worked_case(student):
    """the hand-worked case: 2 responses, gamma = 0.5"""
    mask = torch.tensor([[True, True, True], [True, True, False]])
    rewards = torch.tensor([[1.0, 0.0, 2.0], [0.0, 3.0, 7.0]])  # the 7 sits on a pad: it must not count
    batch = RandomInputs(None, torch.zeros(2, 3), torch.zeros(2, 3), rewards, torch.zeros(2, 3), mask)
    grade_returns(student, batch, 0.5)


@points(2)
def test_matches_library(student):
    """discounted_returns matches the library on random batches"""
    for seed, gamma in ((131, 0.9), (132, 0.5), (133, 1.0)):
        grade_returns(student, random_batch(seed), gamma)
