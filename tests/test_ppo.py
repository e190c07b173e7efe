"""PPO's pieces: the clipped token utility's gradient is the clipped surrogate's, it is A2C's utility at rho = 1,
the clip fraction and the approximate KL to pi_old; the clip on the wrong side is shown to fail."""

import pytest
import torch

from a2c_lessons.aggregation import sequence_sum
from a2c_lessons.losses import ppo_clip_loss, token_utility
from a2c_lessons.ppo import approx_kl, clip_fraction, clipped_token_utility
from tests.wrong import clipped_token_utility_wrong_side


def moved(seed: int, spread: float = 0.5):
    g = torch.Generator().manual_seed(seed)
    old = -torch.rand(4, 5, generator=g) * 2
    new = (old + spread * torch.randn(4, 5, generator=g)).requires_grad_()
    advantages = torch.randn(4, 5, generator=g)
    mask = torch.arange(5) < torch.tensor([[5], [3], [1], [4]])
    return new, old, advantages, mask


def grad_of(loss, x):
    return torch.autograd.grad(loss, x)[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_clipped_token_utilitys_gradient_is_the_clipped_surrogates(seed):
    new, old, advantages, mask = moved(seed)
    ours = -sequence_sum(clipped_token_utility(new, old, advantages, mask, clip=0.2), mask, max_new_tokens=5)
    torch.testing.assert_close(grad_of(ours, new), grad_of(ppo_clip_loss(new, old, advantages, mask, clip=0.2), new))


def test_the_clip_on_the_wrong_side_gives_another_gradient():
    new, old, advantages, mask = moved(0)
    wrong = clipped_token_utility_wrong_side(new, old, advantages, mask, clip=0.2)
    right = grad_of(ppo_clip_loss(new, old, advantages, mask, clip=0.2), new)
    assert not torch.allclose(grad_of(-sequence_sum(wrong, mask, max_new_tokens=5), new), right)


def test_at_ratio_one_it_is_a2cs_token_utility_bit_for_bit():
    new, _, advantages, mask = moved(1)
    ours = clipped_token_utility(new, new.detach(), advantages, mask, clip=0.2)
    a2c = torch.where(mask, token_utility(new, advantages), 0.0)
    assert torch.equal(ours, a2c)
    assert torch.equal(grad_of(ours.sum(), new), grad_of(a2c.sum(), new))


def test_clip_fraction_on_a_hand_worked_case():
    old = torch.zeros(1, 4)
    new = torch.tensor([[0.5, -0.5, 0.5, 0.0]]).log1p()  # rho = 1.5, 0.5, 1.5, 1.0
    advantages = torch.tensor([[1.0, 1.0, -1.0, 1.0]])  # cut: rho 1.5 with A > 0 only (0.5 and A > 0 is not)
    mask = torch.ones(1, 4, dtype=torch.bool)
    assert float(clip_fraction(new, old, advantages, mask, clip=0.2)) == pytest.approx(1 / 4)


def test_approx_kl_is_zero_at_equal_weights_and_matches_a_loop():
    new, old, _, mask = moved(2)
    new = new.detach()
    assert float(approx_kl(old, old, mask)) == 0.0
    terms = [
        float(torch.exp(new[b, t] - old[b, t]) - 1 - (new[b, t] - old[b, t]))
        for b in range(4)
        for t in range(5)
        if mask[b, t]
    ]
    assert float(approx_kl(new, old, mask)) == pytest.approx(sum(terms) / len(terms), rel=1e-5)
