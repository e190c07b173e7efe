"""Grades ex25: the masked, batched Bradley-Terry loss, against reward_training.bradley_terry_loss."""

import math

import torch
import torch.nn.functional as F

from a2c_lessons.grading import Grad, close, expect_close, expect_tensor, fail, points
from a2c_lessons.reward_training import bradley_terry_loss

EXERCISE = "ex25_bradley_terry"


def case(seed, batch=4, pairs=5):
    """Scores of chosen and rejected completions, and a mask with a different number of real pairs per prompt."""
    gen = torch.Generator().manual_seed(seed)
    chosen, rejected = torch.randn(batch, pairs, generator=gen) * 2, torch.randn(batch, pairs, generator=gen) * 2
    counts = torch.randint(1, pairs + 1, (batch,), generator=gen)
    counts[0] = pairs  # one prompt with every pair, one with a single pair: the edges of the mask
    counts[-1] = 1
    return chosen, rejected, torch.arange(pairs) < counts.unsqueeze(1)


def known_wrong(chosen, rejected, mask):
    """message -> what a known-wrong version returns on these inputs."""
    d = chosen - rejected
    per_pair = -F.logsigmoid(d)
    real = torch.where(mask, per_pair, 0.0)
    return {
        "the difference is the wrong way round: the loss is -log sigmoid(r(y+) - r(y-)).": bradley_terry_loss(
            rejected[mask], chosen[mask]
        ),
        "the minus sign is missing: the loss is the NEGATIVE log-likelihood.": -bradley_terry_loss(
            chosen[mask], rejected[mask]
        ),
        "the mask is ignored: padded pairs must not count.": per_pair.mean(),
        "that is the sum over pairs; the loss is their mean.": real.sum(),
        "that averages each prompt's pairs first; average over all real pairs of the batch.": (
            real.sum(dim=1) / mask.sum(dim=1)
        ).mean(),
        "that is -sigmoid(d); the loss is -log sigmoid(d).": -torch.where(mask, torch.sigmoid(d), 0.0).sum()
        / mask.sum(),
    }


def loss_of(student, chosen, rejected, mask):
    out = student.call(EXERCISE, "bradley_terry_loss", chosen.clone(), rejected.clone(), mask.clone())
    hints = {tuple(mask.shape): "That is one value per pair: average them.", (mask.shape[0],): "One per prompt."}
    return expect_tensor(out, "bradley_terry_loss", (), hints=hints)


@points(1)
def test_hand_worked_case(student):
    """the hand-worked case: one prompt, pairs with differences 0 and log 3"""
    chosen, rejected = torch.tensor([[1.0, 2.0, 5.0]]), torch.tensor([[1.0, 2.0 - math.log(3.0), 0.0]])
    mask = torch.tensor([[True, True, False]])  # the third pair is a pad: its 5 - 0 must not count
    # d = 0 gives -log(1/2) = log 2; d = log 3 gives -log(3/4) = log(4/3)
    expected = torch.tensor(0.5 * (math.log(2.0) + math.log(4.0 / 3.0)))
    expect_close(
        loss_of(student, chosen, rejected, mask),
        expected,
        "bradley_terry_loss",
        "the hand-worked case",
        wrong=known_wrong(chosen, rejected, mask),
    )


@points(2)
def test_matches_library(student):
    """bradley_terry_loss matches the library on random batches"""
    for seed in (210, 211, 212):
        chosen, rejected, mask = case(seed)
        expected = bradley_terry_loss(chosen[mask], rejected[mask])
        description = f"a batch of {mask.shape[0]} prompts with {mask.sum(dim=1).tolist()} real pairs (seed {seed})"
        expect_close(
            loss_of(student, chosen, rejected, mask),
            expected,
            "bradley_terry_loss",
            description,
            wrong=known_wrong(chosen, rejected, mask),
        )


@points(1)
def test_stable_and_differentiable(student):
    """the loss stays finite for far-apart scores, and its gradient is -(1 - sigmoid(d)) / N on real pairs"""
    chosen, rejected, mask = case(213)
    rejected = rejected.clone()
    rejected[0, 0] = chosen[0, 0] + 200.0  # sigmoid(-200) is 0 in float32: log(sigmoid) would be -inf
    loss_of(student, chosen, rejected, mask)
    result = student.differentiate(EXERCISE, "bradley_terry_loss", Grad(chosen), Grad(rejected), mask.clone())
    reference_chosen = chosen.clone().requires_grad_()
    bradley_terry_loss(reference_chosen[mask], rejected[mask]).backward()
    if result.grads[0] is None or not close(result.grads[0], reference_chosen.grad):
        fail("d loss / d r(y+) should be -(1 - sigmoid(r(y+) - r(y-))) / N on real pairs and 0 on pads.")
    if result.grads[1] is None or not close(result.grads[1], -reference_chosen.grad):
        fail("d loss / d r(y-) should be the opposite of d loss / d r(y+): both scores are learned.")
