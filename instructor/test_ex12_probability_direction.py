"""Grades ex12: the direction of each token's probability change, against one real gradient step on losses.a2c_loss."""

import torch

from a2c_lessons import losses
from a2c_lessons.grading import (
    expect_close,
    expect_tensor,
    fail,
    logprob_gradient,
    points,
    probability_changes,
    random_batch,
)

EXERCISE = "ex12_probability_direction"


def batch_with_zeros(seed):
    batch = random_batch(seed)
    batch.advantages[0, 2] = 0.0  # exactly zero advantages on real tokens: no gradient, no change
    batch.advantages[1, 0] = 0.0
    return batch


def directions(student, batch):
    out = student.call(EXERCISE, "probability_direction", *batch.inputs("advantages", "mask"))
    return expect_tensor(out, "probability_direction", batch.shape, integer=True)


@points(1)
def test_returns_plus_minus_one_or_zero(student):
    """probability_direction returns +1, -1 or 0 per token"""
    got = directions(student, batch_with_zeros(170))
    if not bool(torch.isin(got.double(), torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64)).all()):
        values = sorted(set(got.flatten().tolist()))
        fail(f"probability_direction must return only +1, -1 and 0; got the values {values}.")


@points(2)
def test_matches_one_gradient_step(student):
    """probability_direction matches one gradient step on the library's loss"""
    for seed in (171, 172):
        batch = batch_with_zeros(seed)
        adv, mask = batch.advantages, batch.mask
        expected = torch.sign(probability_changes(logprob_gradient(losses.a2c_loss), adv, mask)).long()
        zero_advantage_moves = torch.where(mask & (adv == 0), 1, expected)
        wrong = {
            "the direction is flipped: minimising L = -E[U] raises pi of tokens with A > 0.": -expected,
            "pad tokens (mask False) are not in the loss, so their probability does not move: return 0 there.": (
                torch.sign(adv).long()
            ),
            "a token with advantage exactly 0 has no gradient, so its probability does not move.": zero_advantage_moves,
        }
        expect_close(directions(student, batch), expected, "probability_direction", batch.describe(), wrong=wrong)
