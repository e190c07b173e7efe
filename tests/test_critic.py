"""The critic: a zero-initialised value head, so the first advantages are the returns."""

import copy

import torch

from a2c_lessons import fastpath
from a2c_lessons.advantages import discounted_returns, gae, terminal_rewards
from a2c_lessons.critic import ActorCritic
from a2c_lessons.logpi import recompute_logprobs, response_forward, response_hidden, taken_logprobs, vocab_logprobs
from a2c_lessons.sampling import sample


def test_value_head_starts_at_zero_so_first_advantages_equal_returns(tiny_policy):
    actor_critic = ActorCritic(copy.deepcopy(tiny_policy.model))
    rollout = sample(tiny_policy, ["", "the food", "i think"], 16, seed=0)
    logits, values = actor_critic(rollout)
    assert values.shape == rollout.mask.shape and torch.equal(values, torch.zeros_like(values))
    rewards = terminal_rewards(torch.tensor([1.0, 0.0, -1.0]), rollout.mask)
    advantages = gae(rewards, values.detach(), rollout.mask, gamma=1.0, lam=1.0)
    assert torch.allclose(advantages, discounted_returns(rewards, rollout.mask, gamma=1.0))
    # with lambda < 1 and V = 0, GAE is the return discounted by gamma * lambda
    advantages = gae(rewards, values.detach(), rollout.mask, gamma=1.0, lam=0.95)
    assert torch.allclose(advantages, discounted_returns(rewards, rollout.mask, gamma=0.95))


def test_shared_critic_reads_the_actors_logits_and_gets_gradients(tiny_policy):
    actor_critic = ActorCritic(copy.deepcopy(tiny_policy.model))
    rollout = sample(tiny_policy, ["the food", "overall ,"], 12, seed=1)
    logits, values = actor_critic(rollout)
    assert logits.shape[:2] == rollout.mask.shape
    fresh = recompute_logprobs(tiny_policy.model, rollout, fast=False)  # the model's own forward
    assert (taken_logprobs(vocab_logprobs(logits, rollout), rollout) - fresh).abs().max() < 1e-5
    values.sum().backward()
    assert actor_critic.value_head.linear.bias.grad is not None
    # with w = 0 the backbone gets no gradient from V yet; the head's weight does
    assert actor_critic.value_head.linear.weight.grad.abs().sum() > 0


def test_separate_critic_has_its_own_backbone(tiny_policy):
    actor_critic = ActorCritic(copy.deepcopy(tiny_policy.model), copy.deepcopy(tiny_policy.model))
    rollout = sample(tiny_policy, ["the food"], 8, seed=2)
    _, values = actor_critic(rollout)
    with torch.no_grad():
        actor_critic.value_head.linear.bias.fill_(0.5)
    _, values = actor_critic(rollout)
    values.sum().backward()
    assert all(p.grad is None for p in actor_critic.actor.parameters())
    assert values[rollout.mask].eq(0.5).all() and values[~rollout.mask].eq(0).all()


def test_a_separate_critic_reads_the_same_hidden_states_without_running_its_lm_head(tiny_policy, monkeypatch):
    model = copy.deepcopy(tiny_policy.model)
    rollout = sample(tiny_policy, ["the food", "i", "the service was"], 10, seed=3)
    for fast in (True, False):  # the padding-free pass and the model's own forward
        _, expected = response_forward(model, rollout, fast=fast)
        got = response_hidden(model, rollout, fast=fast)
        assert got.shape == expected.shape == (*rollout.mask.shape, model.config.n_embd)
        assert (got - expected)[rollout.mask].abs().max() <= 1e-5
    # the head is skipped, not computed and dropped: neither path may reach it
    monkeypatch.setattr(fastpath, "lm_logits", _refuse)
    model.lm_head.register_forward_hook(_refuse)
    for fast in (True, False):
        response_hidden(model, rollout, fast=fast)
    monkeypatch.undo()  # the actor's own head must run; the critic's body (`model`) still refuses its head
    actor_critic = ActorCritic(copy.deepcopy(tiny_policy.model), model)
    logits, values = actor_critic(rollout)
    assert logits.shape[:2] == values.shape == rollout.mask.shape


def _refuse(*args):
    raise AssertionError("the LM head ran")
