"""Grades ex04: U = sum_t log pi * A over the real tokens of each response, against losses.sequence_utility."""

import torch

from a2c_lessons import losses
from a2c_lessons.grading import Grad, close, expect_close, expect_tensor, fail, full_mask, points, random_batch
from a2c_lessons.masked import masked_mean, masked_sum

EXERCISE = "ex04_sequence_utility"


def utility(student, batch, logprobs, advantages):
    """The student's U on `batch`, checked to be a finite (batch,) tensor."""
    out = student.call(EXERCISE, "sequence_utility", logprobs, advantages, batch.mask.clone())
    b, t = batch.shape
    hints = {(b, t): "That is one value per token: sum over time.", (): "That is one number: keep one U per response."}
    return expect_tensor(out, "sequence_utility", (b,), hints=hints)


@points(1)
def test_one_utility_per_sequence(student):
    """sequence_utility returns one U per response"""
    batch = random_batch(110)
    utility(student, batch, *batch.inputs("logprobs", "advantages"))


@points(2)
def test_matches_library(student):
    """sequence_utility matches the library on random batches"""
    for seed in (111, 112, 113):
        batch = random_batch(seed)
        lp, adv, mask = batch.logprobs, batch.advantages, batch.mask
        expected = losses.sequence_utility(lp, adv, mask)
        wrong = {
            "the sign is flipped: U = sum_t log pi * A; the minus belongs to the loss L = -E[U].": -expected,
            "the mask is ignored: pad tokens (mask False) must add nothing to U.": losses.sequence_utility(
                lp, adv, full_mask(mask)
            ),
            "that is the mean over tokens; U is their sum.": masked_mean(lp * adv, mask, dim=1),
            "that uses probabilities; U uses log-probabilities.": masked_sum(lp.exp() * adv, mask, dim=1),
        }
        got = utility(student, batch, *batch.inputs("logprobs", "advantages"))
        expect_close(got, expected, "sequence_utility", batch.describe(), wrong=wrong)


@points(1)
def test_gradient_flows_into_logprobs_only(student):
    """the gradient reaches log pi, not the advantages"""
    batch = random_batch(114)
    logprobs, advantages = batch.inputs("logprobs", "advantages")
    result = student.differentiate(EXERCISE, "sequence_utility", Grad(logprobs), Grad(advantages), batch.mask.clone())
    expect_tensor(result.value, "sequence_utility", (batch.shape[0],))
    if not result.requires_grad:
        fail("No gradient reaches logprobs: U must stay differentiable in log pi (no .detach(), .item() or no_grad).")
    logprobs_grad, advantages_grad = result.grads
    if advantages_grad is not None and bool(advantages_grad.abs().sum() > 0):
        fail("The gradient flows into the advantages: detach them. A is a fixed weight; the critic has its own loss.")
    expected_grad = torch.where(batch.mask, batch.advantages, torch.zeros(()))
    if logprobs_grad is None or not close(logprobs_grad, expected_grad):
        fail("dU/d(log pi_t) should be A_t on real tokens and 0 on pads; your gradient differs.")
