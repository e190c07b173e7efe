"""Grades ex09: GAE(gamma, lambda) over real tokens, against advantages.gae."""

import torch

from a2c_lessons import advantages as adv
from a2c_lessons.grading import expect_close, expect_tensor, full_mask, points, random_batch

EXERCISE = "ex09_gae"


def gae_of(student, batch, gamma, lam):
    out = student.call(EXERCISE, "gae", *batch.inputs("rewards", "values", "mask"), gamma=gamma, lam=lam)
    b, t = batch.shape
    return expect_tensor(out, "gae", (b, t), hints={(b,): "Return one A_t per token, not per response."})


def known_wrong(rewards, values, mask, gamma, lam):
    """message -> what a known-wrong version returns on these inputs."""
    # bootstrapping from the value stored at the pad after the last real token, instead of 0
    next_raw = torch.cat([values[:, 1:], torch.zeros_like(values[:, :1])], dim=1)
    deltas_from_pad = torch.where(mask, rewards + gamma * next_raw - values, 0.0)
    deltas = adv.td_residuals(rewards, values, mask, gamma=gamma)
    return {
        "no baseline: that is the return G_t, with V never subtracted.": adv.discounted_returns(
            rewards, mask, gamma=gamma
        ),
        "no baseline: the values are ignored, so V is never subtracted.": adv.gae(
            rewards, torch.zeros_like(values), mask, gamma=gamma, lam=lam
        ),
        "lambda is ignored: that is G_t - V_t, GAE with lambda = 1.": adv.mc_advantages(
            rewards, values, mask, gamma=gamma
        ),
        "the sum over deltas is discounted by lambda alone; it is discounted by gamma * lambda.": (
            adv.discounted_returns(deltas, mask, gamma=lam)
        ),
        "gamma is missing from delta_t = r_t + gamma * V_{t+1} - V_t.": adv.discounted_returns(
            adv.td_residuals(rewards, values, mask, gamma=1.0), mask, gamma=gamma * lam
        ),
        "after the last real token the next value is 0 (the episode ended); yours reads the value stored at the pad.": (
            adv.discounted_returns(deltas_from_pad, mask, gamma=gamma * lam)
        ),
        "the sign is flipped: delta_t = r_t + gamma * V_{t+1} - V_t.": -adv.gae(
            rewards, values, mask, gamma=gamma, lam=lam
        ),
        "the mask is ignored: pad tokens must not feed rewards or values into A.": adv.gae(
            rewards, values, full_mask(mask), gamma=gamma, lam=lam
        ),
    }


def grade_gae(student, seed, gamma, lam):
    batch = random_batch(seed)
    r, v, mask = batch.rewards, batch.values, batch.mask
    expected = adv.gae(r, v, mask, gamma=gamma, lam=lam)
    case = f"{batch.describe()} with gamma={gamma}, lam={lam}"
    expect_close(
        gae_of(student, batch, gamma, lam), expected, "gae", case, wrong=known_wrong(r, v, mask, gamma, lam), mask=mask
    )


@points(1)
def test_one_advantage_per_token(student):
    """gae returns one A_t per token"""
    gae_of(student, random_batch(140), 0.9, 0.95)


@points(3)
def test_matches_library(student):
    """gae matches the library on random batches"""
    for seed, gamma, lam in ((141, 0.9, 0.95), (142, 1.0, 0.5), (143, 0.8, 0.9)):
        grade_gae(student, seed, gamma, lam)


@points(1)
def test_lambda_zero_and_one(student):
    """gae at lambda = 0 (the TD residual) and lambda = 1 (G - V)"""
    grade_gae(student, 144, 0.9, 0.0)
    grade_gae(student, 145, 0.9, 1.0)
