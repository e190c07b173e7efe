"""The A2C loop: it learns, it is reproducible, it resumes exactly, and the sign bug unlearns."""

import dataclasses
import json
import math

import pytest
import torch

from a2c_lessons.checkpoint import load_checkpoint, save_checkpoint
from a2c_lessons.estimators import ESTIMATORS, sign_flipped
from a2c_lessons.trainer import A2CConfig, A2CTrainer, NonFiniteError

SMALL = A2CConfig(batch_size=16, max_new_tokens=20, stop_positive=None)
TIMING = {"tokens_per_s"}


def _without_timing(rows):
    return [{k: v for k, v in row.items() if k not in TIMING} for row in rows]


def test_a2c_raises_the_fraction_of_positive_reviews():
    trainer = A2CTrainer(A2CConfig(seed=1, stop_positive=None))
    before = trainer.evaluate(512, seed=99)
    trainer.train(60, progress=False)
    after = trainer.evaluate(512, seed=99)
    assert after["positive"] >= before["positive"] + 0.2, (before, after)
    assert after["grammatical"] >= 0.9
    assert 0 < after["kl"] < 5, "the KL to the reference is reported and stays bounded"


def test_the_sign_bug_drives_the_reward_down():
    # the sign bug is a building block outside the loop: GAE's advantages negated
    trainer = A2CTrainer(A2CConfig(seed=1, stop_positive=None), estimator=sign_flipped(ESTIMATORS["gae"]))
    before = trainer.evaluate(512, seed=99)
    trainer.train(40, progress=False)
    after = trainer.evaluate(512, seed=99)
    assert after["positive"] <= before["positive"] - 0.15, (before, after)


def test_probability_ratio_is_one_when_old_and_new_weights_match():
    trainer = A2CTrainer(SMALL)
    for _ in range(3):
        assert trainer.step()["ratio_max_dev"] < 1e-5


def test_a_step_whose_loss_scores_other_numbers_than_were_sampled_raises_before_updating(monkeypatch):
    from a2c_lessons import trainer as trainer_module
    from a2c_lessons.sampling import sampling_logprobs

    trainer = A2CTrainer(dataclasses.replace(SMALL, temperature=0.7))
    before = [p.detach().clone() for p in trainer.actor_critic.parameters()]
    # known wrong: the loss's log-probs at T = 1, the sampler's at T = 0.7
    monkeypatch.setattr(trainer_module, "vocab_logprobs", lambda logits, rollout: sampling_logprobs(logits))
    with pytest.raises(RuntimeError, match="pi_new / pi_old is off 1"):
        trainer.step()
    assert trainer.step_count == 0 and not trainer.metrics
    assert all(torch.equal(b, p) for b, p in zip(before, trainer.actor_critic.parameters()))


def test_dropout_is_off_in_policy_reference_and_critic():
    trainer = A2CTrainer(dataclasses.replace(SMALL, separate_critic=True))
    trainer.step()
    modules = [trainer.actor_critic, trainer.ref_model, trainer.policy.model]
    assert not any(m.training for module in modules for m in module.modules())


def test_same_seed_gives_the_same_metrics_twice():
    first = A2CTrainer(SMALL).train(3, progress=False)
    second = A2CTrainer(SMALL).train(3, progress=False)
    assert _without_timing(first) == _without_timing(second)
    other = A2CTrainer(dataclasses.replace(SMALL, seed=5)).train(3, progress=False)
    assert _without_timing(other) != _without_timing(first)


def test_resume_from_checkpoint_equals_an_uninterrupted_run(tmp_path):
    straight = A2CTrainer(SMALL)
    straight.train(4, progress=False)
    stopped = A2CTrainer(SMALL)
    stopped.train(2, progress=False)
    save_checkpoint(stopped, tmp_path / "ckpt.pt")
    resumed = A2CTrainer(SMALL)
    load_checkpoint(resumed, tmp_path / "ckpt.pt")
    resumed.train(2, progress=False)
    assert _without_timing(resumed.metrics) == _without_timing(straight.metrics)
    for a, b in zip(straight.actor_critic.parameters(), resumed.actor_critic.parameters()):
        assert torch.equal(a, b)


def test_a_save_cut_short_leaves_the_previous_checkpoint_whole(tmp_path, monkeypatch):
    trainer = A2CTrainer(SMALL)
    path = save_checkpoint(trainer, tmp_path / "ckpt.pt")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    trainer.step()
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(trainer, path)
    assert path.read_bytes() == before


def test_corrupted_checkpoint_gives_a_clear_error_and_stays_on_disk(tmp_path):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="corrupted"):
        load_checkpoint(A2CTrainer(SMALL), path)
    assert path.read_bytes() == b"not a checkpoint"


def test_checkpoint_from_a_different_model_is_refused(tmp_path, tiny_policy):
    from transformers import GPT2Config, GPT2LMHeadModel

    from a2c_lessons.policy import Policy

    trainer = A2CTrainer(SMALL)
    path = save_checkpoint(trainer, tmp_path / "ckpt.pt")
    config = GPT2Config(**{**tiny_policy.model.config.to_dict(), "n_layer": 1})
    other = A2CTrainer(SMALL, policy=Policy(GPT2LMHeadModel(config).eval(), tiny_policy.tokenizer))
    with pytest.raises(ValueError, match="different model.*n_layer"):
        load_checkpoint(other, path)


@pytest.mark.parametrize(
    ("reward_fn", "match"),
    [
        (lambda texts: [float("nan")] * len(texts), "NaN"),
        (lambda texts: [1.0] * (len(texts) + 1), "values for"),
        (lambda texts: "good", "expected B numbers"),
    ],
)
def test_bad_reward_functions_give_clear_errors(reward_fn, match):
    trainer = A2CTrainer(SMALL, reward_fn=reward_fn)
    with pytest.raises(ValueError, match=match):
        trainer.step()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(reward="smiles"), "reward"),
        (dict(gamma=1.5), "gamma"),
        (dict(lam=-0.1), "lam"),
        (dict(temperature=0), "temperature"),
        (dict(kl_estimator="k2"), "kl_estimator"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_bad_config_values_are_refused_by_name(change, match):
    with pytest.raises(ValueError, match=match):
        dataclasses.replace(A2CConfig(), **change)


def test_every_config_field_has_a_rule_and_a_field_without_one_is_an_error(monkeypatch):
    import typing

    from a2c_lessons import config

    hints = typing.get_type_hints(A2CConfig)
    unruled = [f.name for f in dataclasses.fields(A2CConfig) if typing.get_origin(hints[f.name]) is not typing.Literal]
    assert sorted(set(unruled) - set(config.RULES)) == []
    with pytest.raises(ValueError, match="whiten_advantages"):
        A2CConfig(whiten_advantages="yes")
    monkeypatch.delitem(config.RULES, "gamma")  # a renamed field, its rule left under the old name
    with pytest.raises(KeyError, match="'gamma' has no rule"):
        A2CConfig()


def test_metrics_table_and_file(tmp_path):
    trainer = A2CTrainer(SMALL)
    seen = []
    trainer.train(2, progress=False, metrics_path=tmp_path / "m.jsonl", callback=lambda t, row: seen.append(row))
    rows = [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert rows == trainer.metrics == seen and [r["step"] for r in rows] == [1, 2]
    expected = {
        "reward",
        "positive",
        "kl",
        "entropy",
        "critic_loss",
        "explained_var",
        "adv_mean",
        "adv_std",
        "grad_norm",
        "tokens_per_s",
    }
    assert expected <= set(rows[0]) and all(math.isfinite(v) for v in rows[0].values())


def test_stopping_rule_needs_a_full_window_above_the_target():
    trainer = A2CTrainer(dataclasses.replace(SMALL, stop_positive=0.9, stop_window=3))
    trainer.metrics = [{"positive": p} for p in (1.0, 1.0)]
    assert not trainer.should_stop()
    trainer.metrics = [{"positive": p} for p in (0.95, 0.9, 0.8)]
    assert not trainer.should_stop()
    trainer.metrics = [{"positive": p} for p in (0.9, 0.95, 0.92)]
    assert trainer.should_stop()


def test_a_non_finite_step_updates_nothing_and_rewinds_to_the_last_finished_step():
    trainer = A2CTrainer(dataclasses.replace(SMALL, kl_coef=1e30))  # KL * 1e30 overflows the critic loss
    before = [p.detach().clone() for p in trainer.actor_critic.parameters()]
    with pytest.raises(NonFiniteError, match="step 1: a non-finite value"):
        trainer.step()
    assert trainer.rewind() and trainer.step_count == 0 and not trainer.metrics
    assert all(torch.equal(b, p) for b, p in zip(before, trainer.actor_critic.parameters()))
    assert not trainer.optimizer.state_dict()["state"], "Adam took no step"
    trainer.cfg = SMALL  # the batch drawn next is the one the refused step drew
    assert _without_timing([trainer.step()]) == _without_timing([A2CTrainer(SMALL).step()])
