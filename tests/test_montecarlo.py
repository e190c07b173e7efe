"""Tests for a2c_lessons.montecarlo: the Monte Carlo truth and the lambda-return's bias and variance.

The references never import the module: the lambda-return is written as its recursive definition,
G_t = r_t + (1 - lambda) V_{t+1} + lambda G_{t+1} with G = 0 after the last token, one continuation at a time.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from a2c_lessons.montecarlo import (
    Continuations,
    critic_values,
    lambda_return_error,
    mc_values,
    sample_continuations,
    true_advantages,
)
from a2c_lessons.rewards import exact_reward
from a2c_lessons.sampling import sample

K = 3


def fake_continuations(seed: int) -> tuple[list[Continuations], dict[int, torch.Tensor]]:
    """Two rows of lengths 3 and 2; K continuations per prefix with random rewards and critic values.
    Returns the continuations and, per depth, the (n * K, T') critic values `values_of` hands back."""
    gen = torch.Generator().manual_seed(seed)
    found, values = [], {}
    for depth, rows in [(0, [0, 1]), (1, [0, 1]), (2, [0])]:
        width = 4 - depth
        lengths = torch.randint(1, width + 1, (len(rows) * K,), generator=gen)
        mask = torch.arange(width) < lengths.unsqueeze(1)
        cont = SimpleNamespace(mask=mask, depth=depth)
        rewards = torch.randint(0, 2, (len(rows) * K,), generator=gen).double()
        values[depth] = torch.rand(len(rows) * K, width, generator=gen, dtype=torch.float64) * mask
        found.append(Continuations(depth, torch.tensor(rows), cont, rewards))
    return found, values


def loop_lambda_return(reward: float, values: list[float], lam: float) -> float:
    """G^lambda of the token before a continuation with critic values `values`, reward on its last token."""
    following = 0.0  # G after the last token
    for t in reversed(range(len(values))):
        next_value = values[t + 1] if t + 1 < len(values) else 0.0
        r = reward if t == len(values) - 1 else 0.0
        following = r + (1 - lam) * next_value + lam * following
    return (1 - lam) * values[0] + lam * following  # the token before: r = 0, then V_{t+1} = values[0]


@pytest.mark.parametrize("lam", [0.0, 0.5, 0.95, 1.0])
def test_bias_and_variance_match_a_loop_over_every_continuation(seed, lam):
    found, values = fake_continuations(seed)
    table = lambda_return_error(found, critic_values(found, lambda cont: values[cont.depth]), [lam])[lam]
    biases, variances = [], []
    for part in found[1:]:
        for i, _ in enumerate(part.rows):
            draws, rewards = [], []
            for j in range(i * K, (i + 1) * K):
                length = int(part.rollout.mask[j].sum())
                draws.append(loop_lambda_return(float(part.rewards[j]), values[part.depth][j, :length].tolist(), lam))
                rewards.append(float(part.rewards[j]))
            mean = sum(draws) / K
            biases.append(mean - sum(rewards) / K)
            variances.append(sum((d - mean) ** 2 for d in draws) / (K - 1))
    assert table["bias"] == pytest.approx((sum(b * b for b in biases) / len(biases)) ** 0.5, abs=1e-12)
    assert table["variance"] == pytest.approx(sum(variances) / len(variances), abs=1e-12)
    if lam == 1.0:
        assert table["bias"] == pytest.approx(0.0, abs=1e-12), "the Monte Carlo return is unbiased for Q^pi"


def test_mc_values_hold_the_score_at_the_end_and_means_before_and_telescope():
    found, _ = fake_continuations(0)
    mask = torch.tensor([[True, True, True], [True, True, False]])
    scores = torch.tensor([1.0, 0.0])
    values = mc_values(found, scores, mask)
    assert values[0, 3] == 1.0 and values[1, 2] == 0.0, "a finished review is worth its own reward"
    assert values[0, 2] == pytest.approx(float(found[2].rewards.mean()))
    assert values[1, 1] == pytest.approx(float(found[1].rewards[K:].mean()))
    advantages = true_advantages(values, mask)
    torch.testing.assert_close(advantages.sum(1), scores.double() - values[:, 0])  # sum_t A^pi_t = R - V^pi(x)
    assert advantages[1, 2] == 0.0


def test_continuations_start_from_the_same_tokens_and_keep_the_horizon(tiny_policy):
    rollout = sample(tiny_policy, ["the food", "i think the plot"], max_new_tokens=6, seed=0)
    found = sample_continuations(tiny_policy, rollout, exact_reward, k=2, max_new_tokens=6, seed=1)
    lengths = rollout.mask.sum(1)
    assert [part.depth for part in found] == list(range(int(lengths.max())))
    for part in found:
        for i, row in enumerate(part.rows.tolist()):
            prompt = rollout.prompt_ids[row][rollout.prompt_mask[row]].tolist()
            start = prompt + rollout.response_ids[row, : part.depth].tolist()
            for j in (2 * i, 2 * i + 1):
                cont = part.rollout
                assert cont.prompt_ids[j][cont.prompt_mask[j]].tolist() == start, "a prefix must re-encode to itself"
                assert part.depth + int(cont.mask[j].sum()) <= 6, "a continuation must keep the rollout's horizon"
        assert part.rewards.shape == (2 * len(part.rows),)


def test_one_continuation_is_refused(tiny_policy):
    rollout = sample(tiny_policy, ["the food"], max_new_tokens=4, seed=0)
    with pytest.raises(ValueError, match="k must be"):
        sample_continuations(tiny_policy, rollout, exact_reward, k=1, max_new_tokens=4, seed=0)
