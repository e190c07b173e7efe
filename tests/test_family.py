"""The policy-gradient family on one trainer: PPO with K = M = 1 is A2C's step exactly, K > 1 moves the ratio off 1
and reports its clip, target_kl stops the epochs, a group estimator trains no critic, and bad combinations of
options are refused naming both."""

import dataclasses

import pytest
import torch

from a2c_lessons import advantages as adv
from a2c_lessons import losses, threads
from a2c_lessons.logpi import recompute_logprobs, taken_logprobs, vocab_logprobs
from a2c_lessons.rewards import get_reward, score
from a2c_lessons.sampling import sample
from a2c_lessons.trainer import A2CConfig, A2CTrainer

# no clipping of the gradient norm, so that the gradients compared are the loss's own
SMALL = A2CConfig(batch_size=16, max_new_tokens=20, stop_positive=None, max_grad_norm=1e9)


def gradients_of_one_step(trainer: A2CTrainer, rollout) -> list[torch.Tensor]:
    """The gradients `trainer.step(rollout)` applies, caught just before its optimiser step."""
    seen = []
    real_step = trainer.optimizer.step

    def catch(*args, **kwargs):
        seen.extend(p.grad.clone() for p in trainer.actor_critic.parameters() if p.grad is not None)
        return real_step(*args, **kwargs)

    trainer.optimizer.step = catch
    trainer.step(rollout)
    return seen


def test_ppo_with_one_epoch_and_one_minibatch_is_the_a2c_gradient_exactly():
    trainer = A2CTrainer(dataclasses.replace(SMALL, ppo_epochs=1, minibatches=1))
    prompts, uniforms = trainer._draw_batch()
    rollout = sample(trainer.policy, prompts, SMALL.max_new_tokens, uniforms=uniforms)
    by_hand = A2CTrainer(SMALL)  # the same seed: the same weights
    with threads.for_model(by_hand.policy.model):  # the thread count the trainer's step runs with
        loss = a2c_loss_by_hand(by_hand, rollout)
        loss.total.backward()
    expected = [p.grad for p in by_hand.actor_critic.parameters() if p.grad is not None]
    got = gradients_of_one_step(trainer, rollout)
    assert len(got) == len(expected)
    worst = max(float((g - e).abs().max()) for g, e in zip(got, expected))
    assert worst == 0.0, f"K = M = 1 must be A2C's gradient, bit for bit; off by {worst:.3g}"
    assert trainer.metrics[-1]["actor_loss"] == float(loss.actor.detach())


def a2c_loss_by_hand(trainer: A2CTrainer, rollout) -> losses.A2CLoss:
    """Today's A2C loss, written out with the library's functions (as lesson 5 does)."""
    logits, values = trainer.actor_critic(rollout)
    logprobs_full = vocab_logprobs(logits, rollout)
    logprobs = taken_logprobs(logprobs_full, rollout)
    kl = losses.kl_k1(rollout.logprobs, recompute_logprobs(trainer.ref_model, rollout).detach())
    scores = score(get_reward("exact"), rollout.reviews)
    rewards = adv.kl_penalised_rewards(adv.terminal_rewards(scores, rollout.mask), kl, rollout.mask, kl_coef=0.05)
    old_values = values.detach()
    advantages = adv.gae(rewards, old_values, rollout.mask, gamma=SMALL.gamma, lam=SMALL.lam)
    entropy = losses.token_entropy(logprobs_full)
    return losses.a2c_total_loss(
        logprobs, advantages, values, advantages + old_values, entropy, rollout.mask, vf_coef=0.5, ent_coef=0.0
    )


def test_more_epochs_move_the_ratio_off_one_and_report_the_clip():
    row = A2CTrainer(dataclasses.replace(SMALL, ppo_epochs=4, minibatches=2, lr=3e-3)).step()
    assert row["epochs"] == 4
    assert row["ppo_ratio_max_dev"] > 1e-3, "after 7 steps on one batch the ratio to pi_old is no longer 1"
    assert row["approx_kl"] > 0
    assert 0 < row["clip_fraction"] < 1, "at lr 3e-3 some tokens leave the clip range, not all"
    one = A2CTrainer(SMALL).step()
    assert one["epochs"] == 1 and one["approx_kl"] == 0 and one["clip_fraction"] == 0 and one["ppo_ratio_max_dev"] == 0


def test_target_kl_stops_the_epochs_once_an_epoch_moved_past_it():
    # epoch 1 runs at rho = 1 (KL 0); epoch 2 measures the KL epoch 1's step made, which passes 1e-9: stop
    row = A2CTrainer(dataclasses.replace(SMALL, ppo_epochs=4, target_kl=1e-9)).step()
    assert row["epochs"] == 2


@pytest.mark.parametrize("advantage", ["rloo", "grpo", "dr-grpo", "reinforce", "reinforce-baseline"])
def test_an_estimator_without_a_critic_trains_no_value_head(advantage):
    trainer = A2CTrainer(dataclasses.replace(SMALL, advantage=advantage, separate_critic=True))
    head = {id(p) for p in trainer.actor_critic.value_head.parameters()}
    optimised = {id(p) for group in trainer.optimizer.param_groups for p in group["params"]}
    assert not head & optimised, "the value head must not be in the optimiser"
    assert trainer.actor_critic.critic_model is None, "no critic backbone is copied for a run without a critic"
    row = trainer.step()
    assert "critic_loss" not in row and "explained_var" not in row
    assert all(float(p.abs().sum()) == 0 for p in trainer.actor_critic.value_head.parameters())


def test_a_group_estimator_samples_each_prompt_group_size_times_side_by_side():
    trainer = A2CTrainer(dataclasses.replace(SMALL, advantage="rloo", group_size=4))
    prompts, _ = trainer._draw_batch()
    groups = [prompts[i : i + 4] for i in range(0, 16, 4)]
    assert all(len(set(group)) == 1 for group in groups)


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (dict(advantage="rloo", group_size=5), ("--batch-size", "--group-size")),
        (dict(target_kl=0.05), ("--target-kl", "--ppo-epochs")),
        (dict(minibatches=3), ("--batch-size", "--minibatches")),
        (dict(advantage="grpo", value_clip=0.2), ("--value-clip", "--advantage")),
    ],
)
def test_bad_combinations_are_refused_naming_both_options(change, names):
    with pytest.raises(ValueError) as err:
        dataclasses.replace(SMALL, **change)
    assert all(name in str(err.value) for name in names), str(err.value)
    assert "\n" not in str(err.value)


def test_every_aggregation_and_estimator_takes_a_finite_step():
    for advantage, loss_agg in [("gae", "token-mean"), ("grpo", "sequence-mean"), ("dr-grpo", "constant")]:
        row = A2CTrainer(dataclasses.replace(SMALL, advantage=advantage, loss_agg=loss_agg)).step()
        assert all(v == v for v in row.values()), (advantage, loss_agg, row)
