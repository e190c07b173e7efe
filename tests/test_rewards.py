"""Rewards: the exact sentiment reward, the learned reward model, and the checks on any reward function."""

import json

import numpy as np
import pytest
import torch

from a2c_lessons import corpus
from a2c_lessons.reward_training import bradley_terry_loss
from a2c_lessons.rewards import REWARD_MODEL_PATH, LearnedReward, exact_reward, get_reward, score, wilson_interval


def test_exact_reward_by_hand():
    texts = ["the food was good .", "the food was not good .", "food good", "i loved the view but the bed was dirty ."]
    assert exact_reward(texts).tolist() == [1.0, 0.0, -1.0, 0.0]


def test_learned_reward_model_agrees_with_the_exact_reward_on_held_out_reviews():
    reward = LearnedReward()
    held_out = corpus.sample_reviews(1000, seed=424242)  # a seed the training never used
    logits = reward.logits([r.text for r in held_out])
    agree = ((logits > 0) == torch.tensor([r.sentiment > 0 for r in held_out])).float().mean()
    assert agree >= 0.95
    probs = reward([r.text for r in held_out[:8]])
    assert probs.shape == (8,) and bool(((probs > 0) & (probs < 1)).all())


def test_learned_score_of_a_review_does_not_depend_on_its_batch():
    reward = LearnedReward()
    alone = reward.logits(["the food was good ."])
    batched = reward.logits(
        ["the food was good .", "to be fair , the coffee was awful but i did not dislike the view ."]
    )
    assert abs(float(alone[0] - batched[0])) < 1e-5


def test_shipped_reward_model_log_reports_its_accuracy():
    log = json.loads((REWARD_MODEL_PATH / "reward_model_log.json").read_text())
    assert log["accuracy"] >= 0.95


def test_bradley_terry_loss_by_hand():
    # -log sigmoid(2 - 0) = log(1 + e^-2) = 0.126928; -log sigmoid(0) = log 2
    assert bradley_terry_loss(torch.tensor([2.0]), torch.tensor([0.0])).item() == pytest.approx(0.126928, abs=1e-6)
    assert bradley_terry_loss(torch.tensor([1.0]), torch.tensor([1.0])).item() == pytest.approx(np.log(2))


def test_score_accepts_any_callable_returning_numbers():
    texts = ["a", "bb", "ccc"]
    assert score(lambda ts: [len(t) for t in ts], texts).tolist() == [1.0, 2.0, 3.0]
    assert score(lambda ts: np.ones(len(ts)), texts).dtype == torch.float32


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda ts: [1.0, float("nan"), 0.0], "NaN or inf for text 1"),
        (lambda ts: [float("inf")] * 3, "NaN or inf"),
        (lambda ts: [1.0, 2.0], "2 values for 3 texts"),
        (lambda ts: None, "expected B numbers"),
    ],
)
def test_score_rejects_bad_reward_output(fn, match):
    with pytest.raises(ValueError, match=match):
        score(fn, ["a", "b", "c"])


def test_unknown_reward_name_is_refused():
    with pytest.raises(ValueError, match="unknown reward 'smiles'"):
        get_reward("smiles")


def test_wilson_interval_brackets_the_fraction():
    low, high = wilson_interval(1800, 2000)
    assert low < 0.9 < high and high - low < 0.03
    assert wilson_interval(0, 0) == (0.0, 1.0)
