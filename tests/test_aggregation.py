"""Loss aggregation: each way of reducing token terms to a loss, on a hand-worked batch, and a known-wrong one."""

import pytest
import torch

from a2c_lessons.aggregation import AGGREGATIONS, constant, sequence_mean, sequence_sum, token_mean
from a2c_lessons.config import A2CConfig
from a2c_lessons.losses import a2c_loss, a2c_loss_token_mean, token_utility
from tests.wrong import length_normalised_constant

# two responses: lengths 3 and 1, token terms 1, 2, 3 and 4; a generation budget of 4 tokens
TERMS = torch.tensor([[1.0, 2.0, 3.0], [4.0, 99.0, 99.0]])  # 99 on pads: must add nothing
MASK = torch.tensor([[True, True, True], [True, False, False]])


@pytest.mark.parametrize(
    ("fn", "expected"),
    [(sequence_sum, (6 + 4) / 2), (token_mean, 10 / 4), (sequence_mean, (6 / 3 + 4 / 1) / 2), (constant, 10 / (2 * 4))],
    ids=["sequence-sum 5", "token-mean 2.5", "sequence-mean 3", "constant 1.25"],
)
def test_each_aggregation_on_the_hand_worked_batch(fn, expected):
    assert float(fn(TERMS, MASK, max_new_tokens=4)) == pytest.approx(expected)


def test_the_known_wrong_dr_grpo_with_a_length_normaliser_fails_the_hand_worked_case():
    assert float(length_normalised_constant(TERMS, MASK, max_new_tokens=4)) != pytest.approx(1.25)


def test_sequence_sum_and_token_mean_are_the_losses_a2c_loss_and_its_token_mean():
    g = torch.Generator().manual_seed(0)
    logprobs = -torch.rand(4, 6, generator=g)
    advantages = torch.randn(4, 6, generator=g)
    mask = torch.arange(6) < torch.tensor([[6], [2], [4], [1]])
    terms = token_utility(logprobs, advantages)
    assert torch.equal(-sequence_sum(terms, mask, max_new_tokens=6), a2c_loss(logprobs, advantages, mask))
    torch.testing.assert_close(
        -token_mean(terms, mask, max_new_tokens=6), a2c_loss_token_mean(logprobs, advantages, mask)
    )


def test_constant_weighs_responses_by_their_sum_whatever_their_length():
    # doubling one response's length with the same per-token term doubles its weight under constant and
    # sequence-sum, and leaves it unchanged under sequence-mean (the length bias Dr. GRPO removes)
    short = torch.tensor([[1.0, 0.0]])
    long = torch.tensor([[1.0, 1.0]])
    one = torch.tensor([[True, False]])
    two = torch.tensor([[True, True]])
    assert float(constant(long, two, max_new_tokens=2)) == 2 * float(constant(short, one, max_new_tokens=2))
    assert float(sequence_mean(long, two, max_new_tokens=2)) == float(sequence_mean(short, one, max_new_tokens=2))


def test_the_table_names_the_configs_choices_and_constant_refuses_a_budget_below_the_time():
    import typing

    assert set(AGGREGATIONS) == set(typing.get_args(typing.get_type_hints(A2CConfig)["loss_agg"]))
    with pytest.raises(ValueError, match="max_new_tokens"):
        constant(TERMS, MASK, max_new_tokens=2)
