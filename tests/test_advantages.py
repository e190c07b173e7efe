"""Tests for a2c_lessons.advantages: each formula against a slow loop over b and t, and known-wrong versions.

The reference functions below never import the library: they write each formula
out as its definition (the return, the TD residual, GAE as a sum of discounted TD
residuals), one token at a time, and skip pad positions by the row's length.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from a2c_lessons.advantages import (
    discounted_returns,
    gae,
    kl_penalised_rewards,
    mc_advantages,
    td_residuals,
    terminal_rewards,
    whiten,
)
from tests.wrong import no_baseline_advantages, off_by_one_returns

FAST = settings(max_examples=40, deadline=None)


# ---------------------------------------------------------------- random batches and slow references


def random_rewards_and_values(seed: int, batch: int, time: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """rewards, values: (B, T) float64 with NaN on pads (which must never leak); mask: (B, T) bool prefix."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, time + 1, (batch,), generator=gen)
    lengths[0] = time  # one full row, so the end of the tensor is an end of episode too
    mask = torch.arange(time) < lengths.unsqueeze(1)
    rewards = torch.randn(batch, time, generator=gen, dtype=torch.float64).masked_fill(~mask, math.nan)
    values = torch.randn(batch, time, generator=gen, dtype=torch.float64).masked_fill(~mask, math.nan)
    return rewards, values, mask


def lengths_of(mask: torch.Tensor) -> list[int]:
    return [int(row.sum()) for row in mask]


def ref_returns(rewards, mask, gamma):
    out = torch.zeros(rewards.shape, dtype=torch.float64)
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            out[b, t] = sum(gamma ** (k - t) * float(rewards[b, k]) for k in range(t, n))
    return out


def ref_td(rewards, values, mask, gamma):
    out = torch.zeros(rewards.shape, dtype=torch.float64)
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            next_value = float(values[b, t + 1]) if t + 1 < n else 0.0  # the episode ends after token n-1
            out[b, t] = float(rewards[b, t]) + gamma * next_value - float(values[b, t])
    return out


def ref_gae(rewards, values, mask, gamma, lam):
    deltas = ref_td(rewards, values, mask, gamma)
    out = torch.zeros(rewards.shape, dtype=torch.float64)
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            out[b, t] = sum((gamma * lam) ** (k - t) * float(deltas[b, k]) for k in range(t, n))
    return out


def ref_mc_advantages(rewards, values, mask, gamma):
    out = ref_returns(rewards, mask, gamma)
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            out[b, t] -= float(values[b, t])
    return out


def ref_whiten(x, mask, shift_mean, eps):
    real = [float(x[b, t]) for b, n in enumerate(lengths_of(mask)) for t in range(n)]
    mean = sum(real) / len(real)
    var = sum((v - mean) ** 2 for v in real) / (len(real) - 1)
    out = torch.zeros(x.shape, dtype=torch.float64)
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            out[b, t] = (float(x[b, t]) - mean) / math.sqrt(var + eps) + (0.0 if shift_mean else mean)
    return out


def matches(out: torch.Tensor, ref: torch.Tensor, mask: torch.Tensor) -> bool:
    """Close to the reference on real tokens, and exactly 0 on pads."""
    return bool(torch.allclose(out, ref, atol=1e-10, rtol=1e-10)) and bool((out[~mask] == 0).all())


batches = st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 4), st.integers(1, 6))
unit = st.floats(0.0, 1.0)


# ---------------------------------------------------------------- against the references


@FAST
@given(batch=batches, gamma=unit)
def test_discounted_returns_match_reference_loop(batch, gamma):
    rewards, _, mask = random_rewards_and_values(*batch)
    assert matches(discounted_returns(rewards, mask, gamma=gamma), ref_returns(rewards, mask, gamma), mask)


@pytest.mark.parametrize(
    "returns_fn, passes",
    [(discounted_returns, True), (off_by_one_returns, False)],
    ids=["library_passes", "off_by_one_returns_fails_reference"],
)
def test_returns_reference_check_catches_off_by_one(returns_fn, passes):
    rewards, _, mask = random_rewards_and_values(0, 4, 5)
    assert matches(returns_fn(rewards, mask, gamma=0.9), ref_returns(rewards, mask, 0.9), mask) == passes


@FAST
@given(batch=batches, gamma=unit)
def test_td_residuals_match_reference_loop(batch, gamma):
    rewards, values, mask = random_rewards_and_values(*batch)
    out = td_residuals(rewards, values, mask, gamma=gamma)
    assert matches(out, ref_td(rewards, values, mask, gamma), mask)


@FAST
@given(batch=batches, gamma=unit, lam=unit)
def test_gae_matches_reference_loop(batch, gamma, lam):
    rewards, values, mask = random_rewards_and_values(*batch)
    out = gae(rewards, values, mask, gamma=gamma, lam=lam)
    assert matches(out, ref_gae(rewards, values, mask, gamma, lam), mask)


@pytest.mark.parametrize(
    "advantage_fn, passes",
    [(mc_advantages, True), (no_baseline_advantages, False)],
    ids=["library_passes", "no_baseline_advantages_fails_reference"],
)
def test_mc_advantages_reference_check_catches_missing_baseline(advantage_fn, passes):
    rewards, values, mask = random_rewards_and_values(1, 4, 5)
    out = advantage_fn(rewards, values, mask, gamma=0.9)
    assert matches(out, ref_mc_advantages(rewards, values, mask, 0.9), mask) == passes


@FAST
@given(batch=batches, shift_mean=st.booleans())
def test_whiten_matches_reference_loop(batch, shift_mean):
    x, _, mask = random_rewards_and_values(*batch)
    if int(mask.sum()) < 2:
        return  # the variance needs two real tokens; that case raises (tested below)
    out = whiten(x, mask, shift_mean=shift_mean, eps=1e-8)
    assert matches(out, ref_whiten(x, mask, shift_mean, 1e-8), mask)


def test_terminal_rewards_put_score_on_last_real_token_not_first_pad():
    mask = torch.tensor([[True, True, True], [True, False, False], [True, True, False]])
    scores = torch.tensor([1.0, -2.0, 3.0])
    expected = torch.zeros(3, 3)
    for b, n in enumerate(lengths_of(mask)):
        expected[b, n - 1] = scores[b]
    assert torch.equal(terminal_rewards(scores, mask), expected)


def test_kl_penalised_rewards_match_reference_and_do_not_backprop_into_kl():
    rewards, values, mask = random_rewards_and_values(2, 3, 4)
    kl_values = values.abs()
    kl = kl_values.clone().requires_grad_(True)
    out = kl_penalised_rewards(rewards, kl, mask, kl_coef=0.1)
    ref = torch.zeros(rewards.shape, dtype=torch.float64)
    for b, n in enumerate(lengths_of(mask)):
        for t in range(n):
            ref[b, t] = float(rewards[b, t]) - 0.1 * float(kl_values[b, t])
    assert matches(out, ref, mask)
    assert not out.requires_grad, "the KL penalty is a reward: no gradient may flow from it into kl"


# ---------------------------------------------------------------- a case to check on paper


def test_hand_worked_two_sequences_three_tokens():
    # row 0: three real tokens, score +1; row 1: two real tokens, score -1, then a pad.
    mask = torch.tensor([[True, True, True], [True, True, False]])
    rewards = terminal_rewards(torch.tensor([1.0, -1.0]), mask)
    assert rewards.tolist() == [[0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]
    values = torch.tensor([[0.5, 0.5, 0.5], [0.25, -0.5, 9.0]])  # 9.0 sits on the pad: it must be ignored
    gamma, lam = 0.5, 0.5
    # G: row 0: G2 = 1, G1 = 0 + 0.5 * 1 = 0.5, G0 = 0.25; row 1: G1 = -1, G0 = -0.5
    assert discounted_returns(rewards, mask, gamma=gamma).tolist() == [[0.25, 0.5, 1.0], [-0.5, -1.0, 0.0]]
    # delta_t = r_t + 0.5 V_{t+1} - V_t, V after the last real token = 0 (not the pad's 9.0):
    # row 0: d2 = 1 + 0 - 0.5 = 0.5, d1 = 0 + 0.25 - 0.5 = -0.25, d0 = 0 + 0.25 - 0.5 = -0.25
    # row 1: d1 = -1 + 0 + 0.5 = -0.5, d0 = 0 - 0.25 - 0.25 = -0.5
    deltas = td_residuals(rewards, values, mask, gamma=gamma)
    assert deltas.tolist() == [[-0.25, -0.25, 0.5], [-0.5, -0.5, 0.0]]
    # A_t = d_t + (gamma lam = 0.25) A_{t+1}:
    # row 0: A2 = 0.5, A1 = -0.25 + 0.125 = -0.125, A0 = -0.25 - 0.03125 = -0.28125
    # row 1: A1 = -0.5, A0 = -0.5 - 0.125 = -0.625
    advantages = gae(rewards, values, mask, gamma=gamma, lam=lam)
    assert advantages.tolist() == [[-0.28125, -0.125, 0.5], [-0.625, -0.5, 0.0]]
    # G - V: row 0: [0.25 - 0.5, 0.5 - 0.5, 1 - 0.5]; row 1: [-0.5 - 0.25, -1 + 0.5]
    assert mc_advantages(rewards, values, mask, gamma=gamma).tolist() == [[-0.25, 0.0, 0.5], [-0.75, -0.5, 0.0]]


# ---------------------------------------------------------------- properties


@FAST
@given(batch=batches, gamma=unit)
def test_gae_lambda_one_equals_mc_returns(batch, gamma):
    rewards, values, mask = random_rewards_and_values(*batch)
    expected = discounted_returns(rewards, mask, gamma=gamma) - values.nan_to_num(0.0)
    assert torch.allclose(gae(rewards, values, mask, gamma=gamma, lam=1.0), expected, atol=1e-10)
    assert torch.allclose(mc_advantages(rewards, values, mask, gamma=gamma), expected, atol=1e-10)


@FAST
@given(batch=batches, gamma=unit)
def test_gae_lambda_zero_equals_td_residuals(batch, gamma):
    rewards, values, mask = random_rewards_and_values(*batch)
    out = gae(rewards, values, mask, gamma=gamma, lam=0.0)
    assert torch.equal(out, td_residuals(rewards, values, mask, gamma=gamma))


def test_gamma_one_returns_with_terminal_reward_equal_reward_at_every_real_token():
    _, _, mask = random_rewards_and_values(3, 5, 6)
    scores = torch.tensor([0.7, -1.0, 2.0, 0.0, 5.5], dtype=torch.float64)
    returns = discounted_returns(terminal_rewards(scores, mask), mask, gamma=1.0)
    assert torch.equal(returns, torch.where(mask, scores.unsqueeze(1), 0.0))


def test_whiten_gives_zero_mean_unit_variance_and_scale_only_keeps_mean():
    x, _, mask = random_rewards_and_values(4, 4, 6)
    x = 3.0 + 2.0 * x
    whitened = whiten(x, mask)
    real = whitened[mask]
    assert abs(float(real.mean())) < 1e-10 and abs(float(real.var()) - 1.0) < 1e-6
    scaled = whiten(x, mask, shift_mean=False)
    assert abs(float(scaled[mask].mean()) - float(x[mask].mean())) < 1e-10


def test_advantages_keep_the_graph_so_the_caller_decides_when_to_detach():
    rewards, values, mask = random_rewards_and_values(5, 3, 4)
    values = values.nan_to_num(0.0).requires_grad_(True)
    gae(rewards, values, mask, gamma=0.9, lam=0.9).sum().backward()
    assert values.grad is not None and bool((values.grad[~mask] == 0).all())


# ---------------------------------------------------------------- bad input


def good_inputs():
    mask = torch.tensor([[True, True, False], [True, True, True]])
    return torch.zeros(2, 3), torch.zeros(2, 3), mask


@pytest.mark.parametrize("fn", [td_residuals, mc_advantages])
def test_mismatched_shapes_raise_naming_the_argument(fn):
    rewards, values, mask = good_inputs()
    with pytest.raises(ValueError, match="rewards"):
        fn(rewards[:, :2], values, mask, gamma=0.9)
    with pytest.raises(ValueError, match="values"):
        fn(rewards, values[:1], mask, gamma=0.9)


@pytest.mark.parametrize(
    "bad_mask",
    [
        torch.zeros(2, 3, dtype=torch.bool),
        torch.tensor([[True, True, False], [False, False, False]]),
        torch.tensor([[True, False, True], [True, True, True]]),
        torch.ones(2, 3),
    ],
    ids=["no_true_entry", "empty_row", "not_a_prefix", "not_bool"],
)
def test_bad_mask_raises_naming_mask(bad_mask):
    rewards, values, _ = good_inputs()
    with pytest.raises(ValueError, match="mask"):
        gae(rewards, values, bad_mask, gamma=0.9, lam=0.9)
    with pytest.raises(ValueError, match="mask"):
        terminal_rewards(torch.zeros(2), bad_mask)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_infinite_rewards_raise_naming_rewards(bad):
    rewards, values, mask = good_inputs()
    rewards[1, 2] = bad
    for call in [
        lambda: discounted_returns(rewards, mask, gamma=0.9),
        lambda: td_residuals(rewards, values, mask, gamma=0.9),
        lambda: gae(rewards, values, mask, gamma=0.9, lam=0.9),
        lambda: mc_advantages(rewards, values, mask, gamma=0.9),
        lambda: kl_penalised_rewards(rewards, values, mask, kl_coef=0.1),
    ]:
        with pytest.raises(ValueError, match="rewards"):
            call()


def test_nan_scores_or_wrong_shape_raise_naming_scores():
    _, _, mask = good_inputs()
    with pytest.raises(ValueError, match="scores"):
        terminal_rewards(torch.tensor([1.0, math.nan]), mask)
    with pytest.raises(ValueError, match="scores"):
        terminal_rewards(torch.zeros(2, 1), mask)


@pytest.mark.parametrize("bad", [-0.1, 1.1, math.nan])
def test_gamma_or_lambda_outside_unit_interval_raise_naming_them(bad):
    rewards, values, mask = good_inputs()
    with pytest.raises(ValueError, match="gamma"):
        discounted_returns(rewards, mask, gamma=bad)
    with pytest.raises(ValueError, match="gamma"):
        gae(rewards, values, mask, gamma=bad, lam=0.9)
    with pytest.raises(ValueError, match="lam"):
        gae(rewards, values, mask, gamma=0.9, lam=bad)


def test_whiten_with_one_real_token_and_negative_kl_coef_raise():
    mask = torch.tensor([[True, False]])
    with pytest.raises(ValueError, match="mask"):
        whiten(torch.ones(1, 2), mask)
    with pytest.raises(ValueError, match="kl_coef"):
        kl_penalised_rewards(torch.zeros(1, 2), torch.zeros(1, 2), mask, kl_coef=-0.1)
