"""Preference labels: the JSONL they live in, scripted tastes, the labeller widget, reward models trained on them."""

from __future__ import annotations

import json

import pytest
import torch

from a2c_lessons import corpus, preferences
from a2c_lessons.preferences import Pair, PreferenceError, Taste
from a2c_lessons.reward_training import PreferenceConfig, pair_accuracy, split, train_on_preferences
from a2c_lessons.rewards import LearnedReward, score
from a2c_lessons.sampling import sample
from a2c_lessons.trainer import A2CConfig, A2CTrainer

SERVICE = preferences.TASTES["service"]


def test_labels_append_and_read_back_in_the_preference_format(tmp_path):
    path = tmp_path / "prefs" / "labels.jsonl"
    assert preferences.count(path) == 0
    assert preferences.append(path, Pair("the food", "was great .", "was bad .")) == 1
    assert preferences.append(path, Pair("", "i loved the pizza .", "the bed was dirty .")) == 2
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == {"prompt": "the food", "chosen": "was great .", "rejected": "was bad ."}
    assert preferences.read(path) == [
        Pair("the food", "was great .", "was bad ."),
        Pair("", "i loved the pizza .", "the bed was dirty ."),
    ]
    assert preferences.read(path)[0].reviews() == ("the food was great .", "the food was bad .")


def test_datasets_reads_the_labels(tmp_path):
    datasets = pytest.importorskip("datasets")
    path = tmp_path / "labels.jsonl"
    preferences.append(path, Pair("the food", "was great .", "was bad ."))
    preferences.append(path, Pair("i", "loved it .", "hated it ."))
    data = datasets.load_dataset("json", data_files=str(path), split="train")
    assert data.column_names == ["prompt", "chosen", "rejected"] and data[1]["chosen"] == "loved it ."


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("{not json", "line 2 is not JSON"),
        ('{"prompt": "x", "chosen": "a"}', "line 2 must be an object"),
        ('{"prompt": "x", "chosen": "a", "rejected": 3}', "line 2 must be an object"),
        ('{"prompt": "x", "chosen": "a", "rejected": "a"}', "line 2: chosen and rejected are the same"),
    ],
    ids=["not-json", "missing-field", "not-a-string", "same-completion"],
)
def test_a_bad_line_is_named_by_its_number(tmp_path, line, words):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"prompt": "", "chosen": "a .", "rejected": "b ."}\n' + line + "\n")
    with pytest.raises(PreferenceError, match=words):
        preferences.read(path)


def test_too_few_pairs_and_identical_completions_are_refused(tmp_path):
    path = tmp_path / "labels.jsonl"
    preferences.append(path, Pair("", "a .", "b ."))
    with pytest.raises(PreferenceError, match="holds 1 pairs; at least 5"):
        preferences.read(path, min_pairs=5)
    with pytest.raises(PreferenceError, match="same completion"):
        preferences.append(path, Pair("", "a .", "a ."))
    assert preferences.count(path) == 1


def test_a_taste_likes_grammatical_reviews_with_its_property_only():
    assert SERVICE.gold("the service was great .") == 1.0
    assert SERVICE.gold("the food was great .") == 0.0
    assert SERVICE.gold("service service not not") == 0.0  # the property, but outside the grammar
    assert SERVICE.has("service service not not")
    short = preferences.TASTES["short"]
    assert short.gold("i loved the pizza .") == 1.0 and short.gold("the service was not very good .") == 0.0
    assert SERVICE.choose(("the food was bad .", "the staff was rude .")) == 1
    assert SERVICE.choose(("the food was bad .", "the bed was bad .")) is None
    share = SERVICE.share(["the staff was rude ."] * 3 + ["the food was bad ."])
    assert share["share"] == 0.75 and share["low"] < 0.75 < share["high"]


def test_a_tastes_reward_is_its_gold_score_and_the_trainer_pays_it():
    short = preferences.TASTES["short"]
    reviews = ["i loved the pizza .", "the service was not very good .", "pizza pizza ."]  # short, long, broken
    assert torch.equal(score(short.reward, reviews), torch.tensor([1.0, 0.0, 0.0]))
    trainer = A2CTrainer(A2CConfig(batch_size=16, stop_positive=None), reward_fn=short.reward)
    rollout = sample(trainer.policy, list(corpus.PROMPTS), 24, seed=0)
    row = trainer.step(rollout)
    liked = [short.gold(r) for r in rollout.reviews]
    assert 0 < sum(liked) < len(liked), "the batch should hold reviews the taste likes and reviews it does not"
    assert row["reward"] == pytest.approx(sum(liked) / len(liked)), "the step's reward is the share the taste likes"


def test_scripted_labels_follow_the_taste_and_the_seed(tiny_policy, tmp_path):
    pairs = preferences.label_with_taste(tiny_policy, SERVICE, 6, tmp_path / "a.jsonl", seed=3)
    again = preferences.label_with_taste(tiny_policy, SERVICE, 6, tmp_path / "b.jsonl", seed=3)
    assert pairs == again and preferences.read(tmp_path / "a.jsonl") == pairs
    for pair in pairs:
        chosen, rejected = pair.reviews()
        assert SERVICE.gold(chosen) == 1.0 and SERVICE.gold(rejected) == 0.0
    assert preferences.agreement(pairs, SERVICE) == 1.0
    flipped = [Pair(p.prompt, p.rejected, p.chosen) for p in pairs]
    assert preferences.agreement(flipped, SERVICE) == 0.0


def test_top_up_keeps_the_labels_there_and_adds_only_the_missing(tiny_policy, tmp_path):
    path = tmp_path / "labels.jsonl"
    mine = [Pair("the food was", " bad .", " good ."), Pair("the staff was", " rude .", " kind .")]
    for pair in mine:
        preferences.append(path, pair)
    pairs = preferences.top_up(tiny_policy, SERVICE, 5, path, seed=4)
    assert len(pairs) == 5 and pairs[:2] == mine and preferences.read(path) == pairs
    assert preferences.top_up(tiny_policy, SERVICE, 3, path, seed=4) == pairs  # already enough: nothing written


def test_the_labeller_widget_writes_each_click_and_a_reopened_one_continues(tiny_policy, tmp_path):
    pytest.importorskip("ipywidgets")
    from a2c_lessons.widgets import PreferenceLabeller

    path = tmp_path / "labels.jsonl"
    labeller = PreferenceLabeller(tiny_policy, path, seed=1)
    prompt, left, right = labeller.pair
    labeller.choose(1)
    assert preferences.read(path) == [Pair(prompt, right, left)]
    labeller.choose(None)  # skip: nothing written
    labeller.choose(0)
    assert preferences.count(path) == 2 and "2 pairs labelled" in labeller.counter.value
    reopened = PreferenceLabeller(tiny_policy, path, seed=1)
    assert reopened.draws == 3 and reopened.pair != labeller.pair  # new pairs, after the two labelled
    assert "2 pairs labelled" in reopened.counter.value


# ---------------------------------------------------------------- reward models from labels


def test_split_is_seeded_and_keeps_a_pair_on_each_side():
    pairs = [Pair("", f"a{i} .", f"b{i} .") for i in range(10)]
    train, held = split(pairs, 0.2, seed=0)
    assert len(held) == 2 and sorted(train + held, key=str) == sorted(pairs, key=str)
    assert split(pairs, 0.2, seed=0) == (train, held) and split(pairs, 0.2, seed=1) != (train, held)
    assert [len(s) for s in split(pairs[:2], 0.01, seed=0)] == [1, 1]


def test_pair_accuracy_counts_pairs_ranked_as_labelled():
    class Scores:  # a stand-in model: the score of a text is its length
        device = torch.device("cpu")

    pairs = [Pair("", "long answer here .", "no ."), Pair("", "no .", "long answer here .")]
    from a2c_lessons import reward_training

    original = reward_training.scores_of
    reward_training.scores_of = lambda model, tokenizer, texts: torch.tensor([float(len(t)) for t in texts])
    try:
        result = pair_accuracy(Scores(), None, pairs)
    finally:
        reward_training.scores_of = original
    assert result["accuracy"] == 0.5 and result["n"] == 2 and result["low"] < 0.5 < result["high"]


def test_a_reward_model_learns_a_taste_from_its_labels(tiny_policy, tmp_path):
    pairs = preferences.label_with_taste(tiny_policy, SERVICE, 40, tmp_path / "labels.jsonl", seed=0)
    log = train_on_preferences(pairs, tmp_path / "rm", PreferenceConfig(epochs=30), progress=False)
    assert log["held_out"]["accuracy"] > 0.5 and log["held_out"]["n"] == 8 and log["trained_on"] == 32
    reward = LearnedReward(tmp_path / "rm")  # an ordinary from_pretrained folder
    liked, other = reward(["the service was great .", "the food was great ."]).tolist()
    assert liked > other


def test_reward_model_training_refuses_few_pairs_and_the_package_folder(tmp_path):
    pairs = [Pair("", f"the staff was rude {i} .", "the food was bad .") for i in range(3)]
    with pytest.raises(PreferenceError, match="3 pairs are too few"):
        train_on_preferences(pairs, tmp_path / "rm", progress=False)
    assert not (tmp_path / "rm").exists()
    from a2c_lessons.reward_training import PACKAGE_DIR

    with pytest.raises(ValueError, match="inside the installed package"):
        train_on_preferences(pairs * 5, PACKAGE_DIR / "my_rm", progress=False)
    assert not (PACKAGE_DIR / "my_rm").exists()


def test_taste_words_exist_in_the_grammar():
    for taste in preferences.TASTES.values():
        assert isinstance(taste, Taste) and set(taste.words) <= set(corpus.NOUNS)


def test_a_new_reward_model_loads_without_the_report_of_its_fresh_head(capfd):
    from transformers.utils import logging as hf_logging

    from a2c_lessons import reward_training

    before = hf_logging.get_verbosity()
    reward_training._new_model(0)
    assert "MISSING" not in capfd.readouterr().err, "the fresh head's load report should be silenced for this call"
    assert hf_logging.get_verbosity() == before, "transformers' verbosity should be put back after the call"
