"""The fast GPT-2 forwards: the padding-free scoring pass (the model's own numbers and gradients, on real
tokens only), and the sampler's static-cache stepper, which drops ended rows on the CPU only."""

import copy
import dataclasses

import pytest
import torch
import torch.nn.functional as F

from a2c_lessons import fastpath
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.logpi import response_forward, taken_logprobs, vocab_logprobs
from a2c_lessons.padding import encode_left_padded
from a2c_lessons.sampling import make_stepper, sample

# prompts of different lengths (left padding) and responses of different lengths (right padding)
PROMPT_BATCH = [PROMPTS[i % len(PROMPTS)] for i in range(20)] + ["", "the food was"]


@pytest.fixture(scope="module")
def rollout(tiny_policy):
    rollout = sample(tiny_policy, PROMPT_BATCH, 20, seed=5)
    lengths, pads = rollout.mask.sum(dim=1), (~rollout.prompt_mask).sum(dim=1)
    assert lengths.min() < lengths.max() and pads.min() < pads.max(), "both kinds of padding are needed here"
    return rollout


def _loss(model, rollout, fast: bool) -> torch.Tensor:
    """A loss that weighs every response token differently and reads the hidden states too."""
    logits, hidden = response_forward(model, rollout, fast=fast)
    weights = torch.linspace(-1, 1, rollout.mask.shape[1])
    token_terms = taken_logprobs(vocab_logprobs(logits, rollout), rollout) * weights + 1e-2 * hidden.pow(2).sum(-1)
    return torch.where(rollout.mask, token_terms, 0.0).sum()


def test_logits_and_hidden_states_equal_the_models_own_forward(tiny_policy, rollout):
    assert fastpath.supports(tiny_policy.model) and not tiny_policy.model.training
    packed_logits, packed_hidden = response_forward(tiny_policy.model, rollout, fast=True)
    own_logits, own_hidden = response_forward(tiny_policy.model, rollout, fast=False)
    real = rollout.mask
    assert (packed_logits - own_logits)[real].abs().max() <= 1e-5
    assert (packed_hidden - own_hidden)[real].abs().max() <= 1e-5
    assert torch.isfinite(packed_logits).all()  # padding positions too: they meet log_softmax before the mask


def test_gradients_equal_the_models_own_forward(tiny_policy, rollout):
    grads = {}
    for fast in (True, False):
        model = copy.deepcopy(tiny_policy.model)
        _loss(model, rollout, fast).backward()
        grads[fast] = {name: p.grad for name, p in model.named_parameters()}
    for name, own in grads[False].items():
        packed = grads[True][name]
        assert packed is not None, name
        assert (packed - own).abs().max() <= 1e-5 * max(1.0, own.abs().max()), name


def test_a_row_scored_in_a_padded_batch_equals_the_row_alone(tiny_policy, rollout):
    # an independent check of the masks: no other row, and no padding, may change a row's numbers
    logits, _ = response_forward(tiny_policy.model, rollout)
    for row in (0, 20, 21):
        in_prompt, in_response = rollout.prompt_mask[row], rollout.mask[row]  # this row's real tokens
        alone = dataclasses.replace(
            rollout,
            prompt_ids=rollout.prompt_ids[row, in_prompt][None],
            prompt_mask=in_prompt[in_prompt][None],
            response_ids=rollout.response_ids[row, in_response][None],
            mask=in_response[in_response][None],
        )
        single, _ = response_forward(tiny_policy.model, alone)
        assert (single[0] - logits[row, in_response]).abs().max() <= 1e-5


def test_attending_to_padding_is_caught(tiny_policy, rollout, monkeypatch):
    # a known-wrong attention mask (causal, but blind to padding) must change the numbers
    attention = F.scaled_dot_product_attention  # fastpath.F is torch's own module: keep the real one

    def padding_blind(q, k, v, attn_mask):
        return attention(q, k, v, is_causal=True)

    monkeypatch.setattr(fastpath.F, "scaled_dot_product_attention", padding_blind)
    wrong, _ = response_forward(tiny_policy.model, rollout, fast=True)
    monkeypatch.undo()
    own, _ = response_forward(tiny_policy.model, rollout, fast=False)
    assert (wrong - own)[rollout.mask].abs().max() > 1e-2


def test_train_mode_takes_the_models_own_forward_with_its_dropout(tiny_policy, rollout):
    model = copy.deepcopy(tiny_policy.model)
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.5
    model.train()  # packed_forward has no dropout, so it must not run here
    torch.manual_seed(0)
    a, _ = response_forward(model, rollout)
    b, _ = response_forward(model, rollout)
    assert (a - b)[rollout.mask].abs().max() > 1e-3


# ---------------------------------------------------------------- the sampler's stepper drops ended rows (CPU only)


def _steppers(policy, prompts, **kwargs):
    prompt_ids, prompt_mask = encode_left_padded(policy.tokenizer, prompts, torch.device("cpu"))
    return [make_stepper(policy.model, prompt_ids, prompt_mask, 6, **kwargs) for _ in range(2)]


@torch.no_grad()
def test_the_cpu_stepper_drops_ended_rows_and_the_others_keep_their_logits(tiny_policy):
    dropping, keeping = _steppers(tiny_policy, PROMPT_BATCH[:8], fast=True)
    assert isinstance(dropping, fastpath.StaticCacheStepper) and dropping.drops_rows
    keeping.drops_rows = False  # what a GPU does
    tokens = dropping.prefill().argmax(-1)  # (B,)
    assert torch.equal(keeping.prefill().argmax(-1), tokens)
    done = torch.tensor([True] * 5 + [False] * 3)  # more than half ended: drop them
    dropped, kept = dropping.decode_one_token(tokens, done), keeping.decode_one_token(tokens, done)
    # the cache is (slot, layer, key / value, row, head, head_dim): 3 rows left in it
    assert dropping.rows.tolist() == [5, 6, 7] and dropping.cache.shape[3] == 3
    assert keeping.rows is None and keeping.cache.shape[3] == 8
    assert dropped.shape == kept.shape == (8, len(tiny_policy.tokenizer))
    assert (dropped[5:] - kept[5:]).abs().max() <= 1e-5
    # a second drop composes with the first: indices stay those of the full batch
    tokens = kept.argmax(-1)
    done[5:7] = True
    dropped, kept = dropping.decode_one_token(tokens, done), keeping.decode_one_token(tokens, done)
    assert dropping.rows.tolist() == [7] and (dropped[7] - kept[7]).abs().max() <= 1e-5


@torch.no_grad()
def test_a_prompt_repeated_in_the_batch_is_prefilled_once(tiny_policy, monkeypatch):
    prefilled = []
    embed = fastpath.StaticCacheStepper._embed

    def recording_embed(self, ids, pos):
        if ids.dim() == 2:  # (rows, P): the prefill; a decode step embeds (rows,)
            prefilled.append(len(ids))
        return embed(self, ids, pos)

    monkeypatch.setattr(fastpath.StaticCacheStepper, "_embed", recording_embed)
    rollout = sample(tiny_policy, ["the food", "i", "the food", "the food", "i"], 8, seed=0)
    assert prefilled == [2]
    logits = response_forward(tiny_policy.model, rollout)[0]
    fresh = taken_logprobs(vocab_logprobs(logits, rollout), rollout)
    assert (fresh - rollout.logprobs).abs().max() <= 1e-5


def test_the_in_place_gelu_is_gpt2s_gelu_new(tiny_policy):
    from transformers.activations import NewGELUActivation

    x = torch.linspace(-8, 8, 4001)
    assert (fastpath.gelu_tanh_inplace(x.clone()) - NewGELUActivation()(x)).abs().max() <= 1e-6
    assert tiny_policy.model.config.activation_function == "gelu_new"


def test_rows_are_dropped_on_the_cpu_only():
    assert fastpath.drops_ended_rows(torch.device("cpu"))
    assert not fastpath.drops_ended_rows(torch.device("cuda"))


@torch.no_grad()
def test_the_plain_stepper_computes_every_row_whatever_has_ended(tiny_policy):
    a, b = _steppers(tiny_policy, PROMPT_BATCH[:4], fast=False)
    assert not isinstance(a, fastpath.StaticCacheStepper)
    tokens = a.prefill().argmax(-1)
    b.prefill()
    all_done = a.decode_one_token(tokens, torch.ones(4, dtype=torch.bool))
    none_done = b.decode_one_token(tokens, torch.zeros(4, dtype=torch.bool))
    assert torch.equal(all_done, none_done)
