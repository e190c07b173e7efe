"""The family's advantage estimators, each against a slow loop over groups and tokens written here, a hand-worked
case, and the known-wrong versions in tests/wrong/ shown to fail."""

import math
import typing

import pytest
import torch

from a2c_lessons.config import A2CConfig
from a2c_lessons.estimators import ESTIMATORS, dr_grpo, grpo, reinforce, reinforce_baseline, rloo, sign_flipped
from tests.wrong import grpo_without_std, rloo_with_self

GROUP = 3
HYPER = dict(gamma=1.0, lam=0.95, group_size=GROUP)


def batch(seed: int, rows: int = 6, time: int = 5):
    """Random per-token rewards and values, and a left-aligned mask with rows of 1..time real tokens."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, time + 1, (rows,), generator=g)
    mask = torch.arange(time) < lengths.unsqueeze(1)
    rewards = torch.where(mask, torch.randn(rows, time, generator=g), 0.0)
    values = torch.where(mask, torch.randn(rows, time, generator=g), 0.0)
    return rewards, values, mask


# ---------------------------------------------------------------- slow references: plain loops


def ref_returns(rewards, mask, gamma):
    out = [[0.0] * rewards.shape[1] for _ in range(rewards.shape[0])]
    for b in range(rewards.shape[0]):
        length = int(mask[b].sum())
        for t in range(length):
            out[b][t] = sum(gamma ** (k - t) * float(rewards[b, k]) for k in range(t, length))
    return out


def ref_group_advantages(rewards, mask, gamma, group_size, kind):
    whole = [row[0] for row in ref_returns(rewards, mask, gamma)]
    per_response = []
    for start in range(0, len(whole), group_size):
        group = whole[start : start + group_size]
        mean = sum(group) / group_size
        std = math.sqrt(sum((r - mean) ** 2 for r in group) / (group_size - 1))
        for i, r in enumerate(group):
            others = [x for j, x in enumerate(group) if j != i]
            per_response.append(
                {"rloo": r - sum(others) / len(others), "grpo": (r - mean) / (std + 1e-4), "dr-grpo": r - mean}[kind]
            )
    return [[per_response[b] if mask[b, t] else 0.0 for t in range(mask.shape[1])] for b in range(mask.shape[0])]


def ref_reinforce_baseline(rewards, mask, gamma):
    returns = ref_returns(rewards, mask, gamma)
    real = [(b, t) for b in range(mask.shape[0]) for t in range(mask.shape[1]) if mask[b, t]]
    mean = sum(returns[b][t] for b, t in real) / len(real)
    return [[returns[b][t] - mean if mask[b, t] else 0.0 for t in range(mask.shape[1])] for b in range(mask.shape[0])]


def close(got, expected):
    torch.testing.assert_close(got, torch.tensor(expected, dtype=got.dtype), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_reinforce_is_the_reward_to_go_of_a_plain_loop(seed, gamma):
    rewards, values, mask = batch(seed)
    close(reinforce(rewards, values, mask, **{**HYPER, "gamma": gamma}), ref_returns(rewards, mask, gamma))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reinforce_baseline_subtracts_the_batch_mean_return_of_a_plain_loop(seed):
    rewards, values, mask = batch(seed)
    close(reinforce_baseline(rewards, values, mask, **HYPER), ref_reinforce_baseline(rewards, mask, 1.0))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("fn", "kind"), [(rloo, "rloo"), (grpo, "grpo"), (dr_grpo, "dr-grpo")])
@pytest.mark.parametrize("gamma", [1.0, 0.8])
def test_group_estimators_match_a_loop_over_groups_and_tokens(seed, fn, kind, gamma):
    rewards, values, mask = batch(seed)
    expected = ref_group_advantages(rewards, mask, gamma, GROUP, kind)
    close(fn(rewards, values, mask, **{**HYPER, "gamma": gamma}), expected)


def test_group_estimators_on_a_hand_worked_group():
    # one prompt, three responses of lengths 2, 1, 3 with scores 1, 0, 0 on their last tokens
    mask = torch.tensor([[True, True, False], [True, False, False], [True, True, True]])
    rewards = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    values = torch.zeros(3, 3)
    # RLOO: 1 - (0 + 0) / 2 = 1, 0 - (1 + 0) / 2 = -0.5; mean 1/3, std sqrt(1/3) = 0.57735
    close(rloo(rewards, values, mask, **HYPER), [[1.0, 1.0, 0.0], [-0.5, 0.0, 0.0], [-0.5, -0.5, -0.5]])
    a = (2 / 3) / (0.57735027 + 1e-4)  # (1 - 1/3) / std
    b = (-1 / 3) / (0.57735027 + 1e-4)  # (0 - 1/3) / std
    close(grpo(rewards, values, mask, **HYPER), [[a, a, 0.0], [b, 0.0, 0.0], [b, b, b]])
    close(dr_grpo(rewards, values, mask, **HYPER), [[2 / 3, 2 / 3, 0.0], [-1 / 3, 0.0, 0.0], [-1 / 3, -1 / 3, -1 / 3]])


@pytest.mark.parametrize(
    ("wrong", "kind"),
    [(rloo_with_self, "rloo"), (grpo_without_std, "grpo")],
    ids=["rloo_with_self", "grpo_without_std"],
)
def test_known_wrong_group_estimators_fail_the_reference(wrong, kind):
    rewards, values, mask = batch(3)
    expected = torch.tensor(ref_group_advantages(rewards, mask, 1.0, GROUP, kind))
    assert not torch.allclose(wrong(rewards, values, mask, **HYPER), expected, atol=1e-3)


def test_the_table_names_exactly_the_configs_choices_and_marks_the_critic_and_groups():
    choices = typing.get_args(typing.get_type_hints(A2CConfig)["advantage"])
    assert set(ESTIMATORS) == set(choices)
    assert [name for name, e in ESTIMATORS.items() if e.uses_critic] == ["gae"]
    assert {name for name, e in ESTIMATORS.items() if e.grouped} == {"rloo", "grpo", "dr-grpo"}


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_every_estimator_is_zero_on_pads_and_sign_flipped_negates_it(name):
    rewards, values, mask = batch(4)
    got = ESTIMATORS[name].fn(rewards, values, mask, **HYPER)
    assert got.shape == mask.shape and bool((got[~mask] == 0).all())
    torch.testing.assert_close(sign_flipped(ESTIMATORS[name]).fn(rewards, values, mask, **HYPER), -got)


@pytest.mark.parametrize("fn", [rloo, grpo, dr_grpo])
def test_group_estimators_refuse_a_batch_that_is_not_whole_groups(fn):
    rewards, values, mask = batch(0, rows=5)
    with pytest.raises(ValueError, match="group_size"):
        fn(rewards, values, mask, **HYPER)


@pytest.mark.parametrize("fn", [reinforce, reinforce_baseline, rloo, grpo, dr_grpo])
def test_estimators_check_the_shape_of_values(fn):
    rewards, values, mask = batch(0)
    with pytest.raises(ValueError, match="values"):
        fn(rewards, values[:, :-1], mask, **HYPER)
