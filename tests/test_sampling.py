"""The sampler: its log-probs equal a fresh forward pass, seeds, EOS masking, padding, distribution."""

import math

import pytest
import torch

from a2c_lessons.corpus import PROMPTS
from a2c_lessons.logpi import recompute_logprobs
from a2c_lessons.policy import Policy
from a2c_lessons.sampling import draw, sample, sampling_logprobs

PROMPT_BATCH = [PROMPTS[i % len(PROMPTS)] for i in range(24)]
SETTINGS = [dict(temperature=1.0), dict(temperature=0.7), dict(top_k=5), dict(temperature=1.3, top_p=0.8)]


@pytest.mark.parametrize("fast", [True, False], ids=["static-cache", "plain"])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_logprobs_equal_fresh_forward_pass(tiny_policy, settings, fast):
    rollout = sample(tiny_policy, PROMPT_BATCH, 20, seed=0, fast=fast, **settings)
    for packed in (True, False):  # the padding-free scoring pass and the model's own forward
        fresh = recompute_logprobs(tiny_policy.model, rollout, fast=packed)
        assert (fresh - rollout.logprobs).abs().max() <= 1e-5
    assert torch.all(rollout.logprobs[rollout.mask] <= 0)


def test_logprobs_at_the_wrong_temperature_do_not_match(tiny_policy):
    # a loss that forgets the temperature scores other numbers than those sampled
    rollout = sample(tiny_policy, PROMPT_BATCH, 20, seed=0, temperature=0.7)
    rollout.temperature = 1.0
    assert (recompute_logprobs(tiny_policy.model, rollout) - rollout.logprobs).abs().max() > 1e-2


def test_fast_and_plain_paths_draw_the_same_tokens(tiny_policy):
    fast = sample(tiny_policy, PROMPT_BATCH, 20, seed=3, fast=True)
    plain = sample(tiny_policy, PROMPT_BATCH, 20, seed=3, fast=False)
    assert torch.equal(fast.response_ids, plain.response_ids)
    assert (fast.logprobs - plain.logprobs).abs().max() <= 1e-5


def test_same_seed_same_samples_and_other_seed_other_samples(tiny_policy):
    a = sample(tiny_policy, PROMPT_BATCH, 20, seed=11)
    b = sample(tiny_policy, PROMPT_BATCH, 20, seed=11)
    c = sample(tiny_policy, PROMPT_BATCH, 20, seed=12)
    assert torch.equal(a.response_ids, b.response_ids) and a.texts == b.texts
    assert not torch.equal(a.response_ids[:, : c.response_ids.shape[1]], c.response_ids[:, : a.response_ids.shape[1]])


def test_rows_stop_at_eos_and_what_follows_is_masked(tiny_policy):
    rollout = sample(tiny_policy, [""] * 32, 24, seed=0)
    eos, pad = tiny_policy.tokenizer.eos_token_id, tiny_policy.tokenizer.pad_token_id
    lengths = rollout.mask.sum(dim=1)
    assert lengths.min() < lengths.max(), "rows of different lengths are needed for this test"
    for row, n in zip(range(32), lengths.tolist()):
        assert rollout.mask[row, :n].all() and not rollout.mask[row, n:].any()  # a prefix
        assert rollout.response_ids[row, n - 1] == eos  # the EOS itself is a generated token
        assert (rollout.response_ids[row, n:] == pad).all()
        assert (rollout.logprobs[row, n:] == 0).all()
        assert eos not in rollout.response_ids[row, : n - 1].tolist()
    assert torch.equal(rollout.last_token_idx, lengths - 1)


def test_left_padded_batch_gives_the_same_samples_as_one_by_one(tiny_policy):
    prompts = ["", "i think the plot", "the food", "overall , the staff"]
    uniforms = torch.rand(len(prompts), 16, generator=torch.Generator().manual_seed(5))
    batch = sample(tiny_policy, prompts, 16, uniforms=uniforms)
    for i, prompt in enumerate(prompts):
        alone = sample(tiny_policy, [prompt], 16, uniforms=uniforms[i : i + 1])
        n = alone.mask.sum()
        assert alone.texts[0] == batch.texts[i]
        assert torch.equal(alone.response_ids[0, :n], batch.response_ids[i, :n])
        assert (alone.logprobs[0, :n] - batch.logprobs[i, :n]).abs().max() <= 1e-5


def _chi_square(counts: torch.Tensor, probs: torch.Tensor) -> tuple[float, int]:
    keep = probs * counts.sum() >= 5  # pool rare tokens so every cell expects at least 5
    observed = torch.cat([counts[keep], counts[~keep].sum().reshape(1)])
    expected = torch.cat([probs[keep], probs[~keep].sum().reshape(1)]) * counts.sum()
    return float(((observed - expected) ** 2 / expected.clamp(min=1e-9)).sum()), int(keep.sum())


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_sampler_draws_from_the_models_distribution(tiny_policy, temperature):
    n, prompt = 20000, "the food was"
    rollout = sample(tiny_policy, [prompt] * n, 1, seed=1, temperature=temperature)
    enc = tiny_policy.tokenizer([prompt], return_tensors="pt")
    with torch.no_grad():
        logits = tiny_policy.model(**enc).logits[0, -1]
    probs = torch.softmax(logits / temperature, dim=-1)
    counts = torch.bincount(rollout.response_ids[:, 0], minlength=probs.numel()).float()
    stat, df = _chi_square(counts, probs)
    assert stat < df + 6 * math.sqrt(2 * df), f"chi-square {stat:.1f} with {df} degrees of freedom"
    wrong, _ = _chi_square(
        counts, torch.softmax(logits, dim=-1) if temperature != 1 else torch.softmax(logits / 0.7, -1)
    )
    assert wrong > df + 6 * math.sqrt(2 * df), "the test must be able to tell temperatures apart"


def test_draw_never_picks_a_zero_probability_token():
    logprobs = torch.log(torch.tensor([[0.0, 0.5, 0.0, 0.5, 0.0]])).expand(1000, 5)
    tokens = draw(logprobs, torch.rand(1000, generator=torch.Generator().manual_seed(0)))
    assert set(tokens.tolist()) == {1, 3}
    assert set(draw(logprobs[:2], torch.tensor([0.0, 0.9999999])).tolist()) == {1, 3}


def test_top_k_and_top_p_keep_the_right_tokens():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    assert torch.isfinite(sampling_logprobs(logits, top_k=2)).tolist() == [True, True, False, False]
    assert torch.isfinite(sampling_logprobs(logits, top_p=0.75)).tolist() == [True, True, False, False]
    assert torch.isfinite(sampling_logprobs(logits, top_p=0.85)).tolist() == [True, True, True, False]
    kept = sampling_logprobs(logits, top_k=2).exp()
    assert torch.allclose(kept[:2], torch.tensor([0.5, 0.3]) / 0.8)


def test_rollout_tensors_can_join_a_backward_pass(tiny_policy):
    # made under no_grad, not inference_mode: they must mix with tensors that need grad
    rollout = sample(tiny_policy, PROMPT_BATCH[:4], 8, seed=0)
    assert not rollout.logprobs.is_inference() and not rollout.logprobs.requires_grad
    weight = torch.ones((), requires_grad=True)
    (rollout.logprobs * weight).sum().backward()
    assert weight.grad is not None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(temperature=0.0), "temperature"),
        (dict(temperature=-1.0), "temperature"),
        (dict(top_p=0.0), "top_p"),
        (dict(top_p=1.5), "top_p"),
        (dict(top_k=0), "top_k"),
        (dict(max_new_tokens=0), "max_new_tokens"),
    ],
)
def test_bad_sampling_arguments_name_themselves(tiny_policy, kwargs, match):
    kwargs = {"max_new_tokens": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        sample(tiny_policy, ["the food"], **kwargs)


def test_prompts_must_be_a_list_and_uniforms_the_right_shape(tiny_policy):
    with pytest.raises(ValueError, match="prompts"):
        sample(tiny_policy, "the food", 4)
    with pytest.raises(ValueError, match="uniforms"):
        sample(tiny_policy, ["the food"], 4, uniforms=torch.rand(2, 4))


def test_seed_generator_and_uniforms_are_one_source_of_randomness_each(tiny_policy):
    # before: a generator silently won over a seed, and uniforms over both
    with pytest.raises(ValueError, match="seed or generator, not both"):
        sample(tiny_policy, ["the food"], 4, seed=1, generator=torch.Generator().manual_seed(1))
    with pytest.raises(ValueError, match="without seed or generator"):
        sample(tiny_policy, ["the food"], 4, seed=1, uniforms=torch.rand(1, 4))


def test_too_long_a_request_names_n_positions(tiny_policy):
    with pytest.raises(ValueError, match="n_positions"):
        sample(tiny_policy, ["the food"], 200)


def test_the_gpu_loop_gives_the_same_rollout_as_the_cpu_loop(tiny_policy, monkeypatch):
    # the loop a GPU runs (checks for the end every few tokens, never drops rows), run here on the CPU
    from a2c_lessons import fastpath, sampling

    cpu_loop = sample(tiny_policy, PROMPT_BATCH, 20, seed=4)
    monkeypatch.setattr(sampling, "done_check_every", lambda device: sampling._DONE_CHECK_EVERY)
    monkeypatch.setattr(fastpath, "drops_ended_rows", lambda device: False)
    gpu_loop = sample(tiny_policy, PROMPT_BATCH, 20, seed=4)
    n = cpu_loop.mask.shape[1]
    assert gpu_loop.mask.shape[1] >= n and not gpu_loop.mask[:, n:].any()
    assert torch.equal(gpu_loop.response_ids[:, :n], cpu_loop.response_ids) and gpu_loop.texts == cpu_loop.texts
    assert (gpu_loop.logprobs[:, :n] - cpu_loop.logprobs).abs().max() <= 1e-5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_sampling_matches_fresh_forward(tiny_policy):
    import copy

    policy = Policy(copy.deepcopy(tiny_policy.model).cuda(), tiny_policy.tokenizer)
    rollout = sample(policy, PROMPT_BATCH, 20, seed=0)
    assert rollout.response_ids.is_cuda
    assert (recompute_logprobs(policy.model, rollout) - rollout.logprobs).abs().max() <= 1e-5
