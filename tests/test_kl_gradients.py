"""Tests for a2c_lessons.kl_gradients: the three KL placements against exact gradients of both directions.

The references never import the module: the two KL directions are written as plain loops over the vocabulary
and differentiated by central finite differences on free logits, and one two-token case is worked by hand.
"""

from __future__ import annotations

import math

import pytest
import torch

from a2c_lessons.kl_gradients import ESTIMATORS, cosine_table, estimator_losses, kl_gradients, relative_norms

VOCAB = 6


def loop_kl(p: list[float], q: list[float]) -> float:
    """KL(p || q) = sum_y p(y) log(p(y) / q(y)), one token at a time."""
    return sum(p_y * math.log(p_y / q_y) for p_y, q_y in zip(p, q))


def finite_difference(function, z: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """Central differences of a function of free logits z: (V,) float64."""
    columns = []
    for i in range(len(z)):
        step = torch.zeros_like(z)
        step[i] = h
        columns.append((function(z + step) - function(z - step)) / (2 * h))
    return torch.tensor(columns, dtype=torch.float64)


def softmax_list(z: torch.Tensor) -> list[float]:
    return torch.softmax(z, dim=-1).tolist()


@pytest.fixture
def distributions(seed):
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(VOCAB, generator=gen, dtype=torch.float64) * 1.5  # pi far from pi_ref: the directions differ
    log_ref = torch.randn(VOCAB, generator=gen, dtype=torch.float64).log_softmax(-1)
    return z, log_ref


def exact(z: torch.Tensor, log_ref: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every token of the vocabulary, weighted by pi(y) held fixed: the estimators' expected gradients."""
    logits = z.clone().requires_grad_(True)
    log_pi = logits.log_softmax(-1)
    return kl_gradients(log_pi, log_ref, [logits], torch.arange(len(z)), log_pi.exp().detach())


def test_expected_gradients_are_forward_kl_zero_and_reverse_kl(distributions):
    z, log_ref = distributions
    ref = log_ref.exp().tolist()
    forward = finite_difference(lambda v: loop_kl(softmax_list(v), ref), z)
    reverse = finite_difference(lambda v: loop_kl(ref, softmax_list(v)), z)
    grads = exact(z, log_ref)
    torch.testing.assert_close(grads["KL(pi || pi_ref)"], forward, atol=1e-7, rtol=1e-6)
    torch.testing.assert_close(grads["KL(pi_ref || pi)"], reverse, atol=1e-7, rtol=1e-6)
    torch.testing.assert_close(grads["k1 in the reward"], forward, atol=1e-7, rtol=1e-6)
    torch.testing.assert_close(grads["k1 in the loss"], torch.zeros(VOCAB, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(grads["k3 in the loss"], reverse, atol=1e-7, rtol=1e-6)
    assert (forward - reverse).norm() > 0.1 * forward.norm(), "pi is far from pi_ref: the two directions differ"


def test_two_token_case_worked_by_hand():
    # pi = (1/2, 1/2) from z = 0, pi_ref = (1/4, 3/4). d KL(pi_ref || pi) / dz = pi - pi_ref = (1/4, -1/4);
    # d KL(pi || pi_ref) / dz_j = pi_j (log(pi_j / ref_j) - KL) = 1/2 (log 2 - KL), KL = (log 2 + log 2/3) / 2
    z = torch.zeros(2, dtype=torch.float64)
    log_ref = torch.tensor([0.25, 0.75], dtype=torch.float64).log()
    grads = {name: g.tolist() for name, g in exact(z, log_ref).items()}
    kl = 0.5 * (math.log(2) + math.log(2 / 3))
    forward_0 = 0.5 * (math.log(2) - kl)  # 0.2747
    assert grads["k3 in the loss"] == pytest.approx([0.25, -0.25], abs=1e-12)
    assert grads["k1 in the reward"] == pytest.approx([forward_0, -forward_0], abs=1e-12)
    assert grads["k1 in the loss"] == pytest.approx([0.0, 0.0], abs=1e-12)


def test_sampled_estimators_point_where_their_expectations_do(distributions):
    z, log_ref = distributions
    logits = z.clone().requires_grad_(True)
    log_pi = logits.log_softmax(-1)
    gen = torch.Generator().manual_seed(0)
    drawn = torch.multinomial(log_pi.exp().detach(), 200_000, replacement=True, generator=gen)  # y ~ pi
    grads = kl_gradients(log_pi, log_ref, [logits], drawn, torch.full((len(drawn),), 1 / len(drawn)))
    table = cosine_table(grads)
    assert table["k1 in the reward"]["KL(pi || pi_ref)"] > 0.99
    assert table["k3 in the loss"]["KL(pi_ref || pi)"] > 0.99
    assert table["k3 in the loss"]["KL(pi || pi_ref)"] < table["k3 in the loss"]["KL(pi_ref || pi)"] - 0.01
    assert relative_norms(grads)["k1 in the loss"] < 0.05, "k1 in the loss: noise around zero only"
    assert relative_norms(grads)["k1 in the reward"] == pytest.approx(1.0, abs=0.05)
    assert set(table) == set(ESTIMATORS)


def test_mismatched_weights_name_the_argument():
    log_pi = torch.zeros(3).log_softmax(-1)
    with pytest.raises(ValueError, match="weights"):
        estimator_losses(log_pi, log_pi, torch.arange(3), torch.ones(2))
