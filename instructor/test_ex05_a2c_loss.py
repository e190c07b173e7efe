"""Grades ex05: the actor loss L = -mean_b U_b, against losses.a2c_loss."""

import torch

from a2c_lessons import losses
from a2c_lessons.grading import (
    Grad,
    expect_close,
    expect_tensor,
    fail,
    full_mask,
    points,
    probability_changes,
    random_batch,
)

EXERCISE = "ex05_a2c_loss"


def loss(student, batch):
    out = student.call(EXERCISE, "a2c_loss", *batch.inputs("logprobs", "advantages", "mask"))
    b, t = batch.shape
    hints = {(b,): "That is one value per response: L is their mean.", (b, t): "That is one value per token."}
    return expect_tensor(out, "a2c_loss", (), hints=hints)


@points(1)
def test_returns_a_scalar(student):
    """a2c_loss returns one number"""
    loss(student, random_batch(120))


@points(2)
def test_matches_library(student):
    """a2c_loss matches the library on random batches"""
    for seed in (121, 122, 123):
        batch = random_batch(seed)
        lp, adv, mask = batch.logprobs, batch.advantages, batch.mask
        expected = losses.a2c_loss(lp, adv, mask)
        utilities = losses.sequence_utility(lp, adv, mask)
        wrong = {
            "the sign is flipped (L = +E[U]): minimising it makes tokens with A > 0 less likely.": -expected,
            "the mask is ignored: pad tokens (mask False) must add nothing to the loss.": losses.a2c_loss(
                lp, adv, full_mask(mask)
            ),
            "that averages over all tokens; L averages over responses the sum over each one's tokens.": (
                losses.a2c_loss_token_mean(lp, adv, mask)
            ),
            "that sums over the batch; E[U] is the mean over responses.": -utilities.sum(),
        }
        expect_close(loss(student, batch), expected, "a2c_loss", batch.describe(), wrong=wrong)


@points(1)
def test_gradient_step_follows_the_advantage(student):
    """one gradient step on a2c_loss raises tokens with A > 0 and lowers tokens with A < 0"""
    batch = random_batch(124)
    loss(student, batch)

    def student_gradient(logprobs, advantages, mask):  # dL/d(log pi) of the student's loss, from the sandbox
        result = student.differentiate(EXERCISE, "a2c_loss", Grad(logprobs), advantages, mask)
        if result.grads[0] is None:
            fail("No gradient reaches logprobs: L must stay differentiable in log pi (no .detach(), .item()).")
        return expect_tensor(result.grads[0], "the gradient of a2c_loss", tuple(logprobs.shape))

    changes = probability_changes(student_gradient, *batch.inputs("advantages", "mask"))
    real, pad = batch.mask, ~batch.mask
    if bool((changes[pad] != 0).any()):
        fail("A gradient step on your loss moves the probability of pad tokens: the mask must keep them out of L.")
    wrong_way = real & (torch.sign(changes) != torch.sign(batch.advantages))
    if bool(wrong_way.any()):
        # report a token with A > 0 first: "a good token became less likely" is the sign bug in words
        first = wrong_way & (batch.advantages > 0) if bool((wrong_way & (batch.advantages > 0)).any()) else wrong_way
        b, t = (int(i) for i in torch.nonzero(first)[0])
        moved = {1.0: "rose", -1.0: "fell", 0.0: "did not move"}[float(torch.sign(changes[b, t]))]
        adv = float(batch.advantages[b, t])
        fail(f"After one gradient step on your loss, the probability of a token with advantage {adv:+.2f} {moved}.")
