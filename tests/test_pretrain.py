"""The shipped tiny LM: rebuilt from its seed, fluent in the grammar, about half positive."""

import json

import pytest

from a2c_lessons import corpus, pretrain
from a2c_lessons.policy import TINY_LM_PATH
from a2c_lessons.rewards import review_stats
from a2c_lessons.sampling import sample

LOG = json.loads((TINY_LM_PATH / "pretrain_log.json").read_text())


def test_pretraining_with_the_same_seed_reproduces_the_shipped_loss_curve():
    steps = 40
    _, _, losses = pretrain.train(pretrain.PretrainConfig(**LOG["config"]), progress=False, stop_after=steps)
    assert losses == pytest.approx(LOG["losses"][:steps], rel=1e-4, abs=1e-4)


def test_a_different_seed_gives_a_different_curve():
    _, _, losses = pretrain.train(
        pretrain.PretrainConfig(**{**LOG["config"], "seed": 1}), progress=False, stop_after=10
    )
    assert losses != pytest.approx(LOG["losses"][:10], rel=1e-4)


def test_shipped_loss_reached_the_grammar_entropy():
    assert LOG["final_loss"] < LOG["grammar_entropy"] + 0.05


def test_tiny_lm_writes_grammatical_reviews_about_half_positive(tiny_policy):
    rollout = sample(tiny_policy, [""] * 1000, 24, seed=2024)
    stats = review_stats(rollout.reviews)
    assert stats["grammatical"] >= 0.95
    assert 0.30 <= stats["positive"] <= 0.70


def test_tokenizer_covers_the_grammar_vocabulary():
    tok = pretrain.build_tokenizer()
    assert len(tok) == len(corpus.vocabulary()) + len(pretrain.SPECIAL_TOKENS)
    assert tok.decode(tok("the food was good .").input_ids, skip_special_tokens=True) == "the food was good ."


def test_bad_pretrain_config_is_refused():
    with pytest.raises(ValueError, match="n_embd"):
        pretrain.PretrainConfig(n_embd=130, n_head=4)
