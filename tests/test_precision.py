"""bf16 forward passes over float32 weights: the sampler and the scorer agree, and float32 is unchanged.

With bf16 the sampler (one token at a time, with a bf16 KV cache) and a scoring pass (the whole sequence at
once) round their products differently, so their log pi_T agree within a tolerance, not float32's 1e-5:
FAST_TOLERANCE on GPT-2's fast paths (float32 logits; what training runs), OWN_TOLERANCE where a model's own
forward takes part (it rounds its logits to bf16). The ratio check allows `precision.ratio_tolerance`, 0.25.
"""

import copy
import dataclasses

import pytest
import torch

from a2c_lessons import fastpath, precision
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.logpi import check_ratio, next_token_logprobs, recompute_logprobs
from a2c_lessons.policy import Policy, load_policy
from a2c_lessons.sampling import sample

PROMPT_BATCH = [PROMPTS[i % len(PROMPTS)] for i in range(24)]
# |log pi_T sampler - log pi_T scorer| in bf16 over real tokens: (most, median). Both fast paths: measured
# <= 2e-2 and about 1e-4; a model's own forward on either side: <= 5e-2 and about 6e-3
FAST_TOLERANCE = 5e-2
FAST_TYPICAL = 2e-3
OWN_TOLERANCE = 0.1
OWN_TYPICAL = 2e-2


@pytest.fixture(scope="module")
def bf16_policy() -> Policy:
    return load_policy(device="cpu", dtype="bfloat16")


def test_dtype_names_resolve_and_a_wrong_one_names_the_argument():
    assert precision.as_dtype(None) is torch.float32
    assert precision.as_dtype("bfloat16") is torch.bfloat16 and precision.as_dtype(torch.float32) is torch.float32
    with pytest.raises(ValueError, match="dtype must be one of float32, bfloat16, got 'float16'"):
        precision.as_dtype("float16")
    with pytest.raises(ValueError, match="dtype must be one of"):
        load_policy(dtype=torch.float16)


def test_bf16_keeps_float32_master_weights_and_travels_with_copies(bf16_policy):
    assert all(p.dtype == torch.float32 for p in bf16_policy.model.parameters())
    assert precision.compute_dtype(bf16_policy.model) is torch.bfloat16
    # the trainer makes pi_ref and a separate critic by deepcopy: they compute at the policy's precision
    assert precision.compute_dtype(copy.deepcopy(bf16_policy.model)) is torch.bfloat16


@pytest.mark.parametrize("fast", [True, False], ids=["static-cache", "plain"])
def test_bf16_sampler_logprobs_equal_a_bf16_fresh_forward(bf16_policy, fast):
    rollout = sample(bf16_policy, PROMPT_BATCH, 20, seed=0, fast=fast, temperature=0.8)
    assert rollout.compute_dtype is torch.bfloat16 and rollout.logprobs.dtype == torch.float32
    for packed in (True, False):  # the padding-free scoring pass and the model's own forward
        fresh = recompute_logprobs(bf16_policy.model, rollout, fast=packed)
        assert fresh.dtype == torch.float32
        most, typical = (FAST_TOLERANCE, FAST_TYPICAL) if fast and packed else (OWN_TOLERANCE, OWN_TYPICAL)
        deviation = (fresh - rollout.logprobs).abs()[rollout.mask]
        assert deviation.max() <= most and deviation.median() <= typical


def test_bf16_really_computes_in_bf16(bf16_policy, tiny_policy):
    # known wrong: a bf16 option that silently ran float32 would match float32 to 1e-5
    rollout = sample(tiny_policy, PROMPT_BATCH, 20, seed=0)
    bf16_scores = recompute_logprobs(bf16_policy.model, rollout)
    assert (bf16_scores - rollout.logprobs).abs().max() > 1e-4
    stepper = fastpath.StaticCacheStepper(bf16_policy.model, rollout.prompt_ids[:2], rollout.prompt_mask[:2], 4)
    assert stepper.cache.dtype == torch.bfloat16


def test_the_ratio_check_holds_in_bf16_and_states_its_tolerance(bf16_policy):
    rollout = sample(bf16_policy, [PROMPTS[i] for i in range(16)] * 4, 24, seed=3)
    ratio = check_ratio(recompute_logprobs(bf16_policy.model, rollout), rollout)
    assert (ratio - 1).abs().max() <= FAST_TOLERANCE and (ratio - 1).abs()[rollout.mask].median() <= FAST_TYPICAL
    tolerance = precision.ratio_tolerance(torch.bfloat16)
    assert tolerance == 0.25
    with pytest.raises(RuntimeError, match=rf"\(tolerance {tolerance:g}\)"):
        check_ratio(rollout.logprobs + 2 * tolerance * rollout.mask, rollout)


def test_the_bf16_ratio_check_still_catches_a_loss_that_forgets_the_temperature(bf16_policy):
    # known wrong: scoring at T = 1 a rollout sampled at T = 0.7; bf16's wider tolerance must not hide it
    rollout = sample(bf16_policy, [PROMPTS[i] for i in range(16)] * 4, 24, seed=3, temperature=0.7)
    wrong = recompute_logprobs(bf16_policy.model, dataclasses.replace(rollout, temperature=1.0))
    with pytest.raises(RuntimeError, match=r"pi_new / pi_old is off 1 by .* \(tolerance 0\.25\)"):
        check_ratio(wrong, rollout)


def test_float32_is_unchanged_by_the_option(tiny_policy):
    explicit = load_policy(device="cpu", dtype="float32")
    default = sample(tiny_policy, PROMPT_BATCH, 20, seed=5)
    asked = sample(explicit, PROMPT_BATCH, 20, seed=5)
    assert default.compute_dtype is torch.float32
    assert torch.equal(default.response_ids, asked.response_ids) and torch.equal(default.logprobs, asked.logprobs)
    assert (recompute_logprobs(explicit.model, asked) - asked.logprobs).abs().max() <= 1e-5


def test_bf16_gradients_reach_the_float32_weights(bf16_policy):
    model = copy.deepcopy(bf16_policy.model)
    rollout = sample(Policy(model, bf16_policy.tokenizer), PROMPT_BATCH[:8], 12, seed=1)
    recompute_logprobs(model, rollout).sum().backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)


def test_first_token_distribution_is_computed_at_the_models_precision(bf16_policy, tiny_policy):
    bf16 = next_token_logprobs(bf16_policy, PROMPT_BATCH[:4]).detach()
    fp32 = next_token_logprobs(tiny_policy, PROMPT_BATCH[:4]).detach()
    assert bf16.dtype == torch.float32 and 1e-5 < (bf16 - fp32).abs().max() <= 0.1


def test_emulated_bf16_is_said_in_one_line(monkeypatch, capsys, tiny_policy):
    monkeypatch.setattr(precision, "bf16_is_native", lambda device: False)
    precision.warn_if_emulated.cache_clear()
    for _ in range(2):
        precision.set_compute_dtype(copy.deepcopy(tiny_policy.model), "bfloat16")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "emulates it" in lines[0] and "--dtype float32" in lines[0]
    monkeypatch.setattr(precision, "bf16_is_native", lambda device: True)
    precision.warn_if_emulated.cache_clear()
    precision.set_compute_dtype(copy.deepcopy(tiny_policy.model), "bfloat16")
    assert capsys.readouterr().err == ""
    precision.warn_if_emulated.cache_clear()


def test_the_config_and_the_command_line_take_a_dtype():
    import argparse

    from a2c_lessons.config import DTYPE_NAMES, A2CConfig, ConfigError
    from a2c_lessons.options import add_config_options

    assert A2CConfig().dtype == "float32" and DTYPE_NAMES == tuple(precision.DTYPES)
    with pytest.raises(ConfigError, match="dtype must be one of float32, bfloat16, got 'float16'"):
        A2CConfig(dtype="float16")
    parser = argparse.ArgumentParser()
    add_config_options(parser)
    assert parser.parse_args(["--dtype", "bfloat16"]).dtype == "bfloat16"
    with pytest.raises(SystemExit):
        parser.parse_args(["--dtype", "fp16"])


def test_a_bf16_training_step_keeps_float32_state_and_passes_its_ratio_check():
    from a2c_lessons.config import A2CConfig
    from a2c_lessons.trainer import A2CTrainer

    trainer = A2CTrainer(A2CConfig(batch_size=16, max_new_tokens=12, dtype="bfloat16", stop_positive=None))
    assert precision.compute_dtype(trainer.ref_model) is torch.bfloat16
    trainer.step()  # check_ratio raises if sampler and scorer disagree beyond the bf16 tolerance
    state = [v for s in trainer.optimizer.state.values() for v in s.values() if torch.is_tensor(v) and v.ndim]
    assert state and all(v.dtype == torch.float32 for v in state)
    assert all(p.dtype == torch.float32 for p in trainer.actor_critic.parameters())


def test_the_trainer_refuses_a_policy_at_another_precision_than_its_config(bf16_policy, tiny_policy):
    # a bf16 config with a float32 policy would train in float32 and save a config that says bf16
    from a2c_lessons.config import A2CConfig
    from a2c_lessons.trainer import A2CTrainer

    small = A2CConfig(batch_size=16, max_new_tokens=12, stop_positive=None)
    with pytest.raises(ValueError, match="dtype is 'bfloat16' but the policy given computes in 'float32'"):
        A2CTrainer(dataclasses.replace(small, dtype="bfloat16"), policy=tiny_policy)
    with pytest.raises(
        ValueError, match=r"dtype is 'float32' .* load_policy\(dtype='float32'\), or set dtype='bfloat16'"
    ):
        A2CTrainer(small, policy=bf16_policy)
    assert (
        precision.compute_dtype(A2CTrainer(dataclasses.replace(small, dtype="bfloat16"), policy=bf16_policy).ref_model)
        is torch.bfloat16
    )
