"""log pi recomputed: the taken tokens' log-probs, pi(. | x) after a prompt, word masses, and the ratio check.

(The scoring forward itself, `response_forward`, is held to the model's own numbers in test_fastpath.py,
and `recompute_logprobs` to the sampler's log-probs in test_sampling.py.)
"""

import dataclasses

import pytest
import torch

from a2c_lessons.corpus import PROMPTS
from a2c_lessons.logpi import (
    check_ratio,
    next_token_logprobs,
    next_token_probs,
    recompute_logprobs,
    taken_logprobs,
    vocab_logprobs,
    word_mass,
)
from a2c_lessons.precision import ratio_tolerance
from a2c_lessons.sampling import sample


def test_next_token_logprobs_equal_the_samplers_first_token_logprobs(tiny_policy, seed):
    prompts = ["", "the food was", "i think the plot", "the food was not"]
    rollout = sample(tiny_policy, prompts, 1, seed=seed)
    logprobs = next_token_logprobs(tiny_policy, prompts)  # (B, V)
    first = logprobs.gather(-1, rollout.response_ids[:, :1]).squeeze(-1)
    torch.testing.assert_close(first, rollout.logprobs[:, 0], atol=1e-5, rtol=0)


def test_next_token_probs_with_temperature_are_the_renormalised_power(tiny_policy):
    probs = next_token_probs(tiny_policy, ["the food was"])
    hot = next_token_probs(tiny_policy, ["the food was"], temperature=2.0)
    expected = probs**0.5 / (probs**0.5).sum(dim=-1, keepdim=True)  # softmax(z / 2) = p^(1/2), renormalised
    torch.testing.assert_close(hot, expected, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(probs.sum(dim=-1), torch.ones(1))
    assert not probs.requires_grad


def test_word_mass_sums_the_probability_of_the_words(tiny_policy):
    probs = next_token_probs(tiny_policy, ["the food was very", "the food was not"])
    labels = tiny_policy.tokenizer.convert_ids_to_tokens(list(range(len(tiny_policy.tokenizer))))
    expected = [sum(float(probs[b, labels.index(w)]) for w in ("good", "bad")) for b in range(2)]
    torch.testing.assert_close(word_mass(probs, tiny_policy.tokenizer, ["good", "bad"]), torch.tensor(expected))


def test_taken_logprobs_pick_the_sampled_tokens_at_the_rollouts_temperature(tiny_policy):
    rollout = sample(tiny_policy, [PROMPTS[i] for i in range(6)], 12, seed=2, temperature=0.7, top_k=20)
    vocab, generator = len(tiny_policy.tokenizer), torch.Generator().manual_seed(0)
    logits = torch.randn(*rollout.response_ids.shape, vocab, generator=generator)  # (B, T, V)
    logprobs = taken_logprobs(vocab_logprobs(logits, rollout), rollout)
    for b, t in [(0, 0), (3, 2), (5, 4)]:
        if rollout.mask[b, t]:
            kth = torch.topk(logits[b, t] / 0.7, 20).values[-1]
            kept = torch.where(logits[b, t] / 0.7 >= kth, logits[b, t] / 0.7, -torch.inf)
            expected = torch.log_softmax(kept, -1)[rollout.response_ids[b, t]]
            torch.testing.assert_close(logprobs[b, t], expected)
    assert torch.equal(logprobs[~rollout.mask], torch.zeros(int((~rollout.mask).sum())))


def test_check_ratio_passes_a_rollout_scored_with_its_own_weights(tiny_policy):
    rollout = sample(tiny_policy, [PROMPTS[i] for i in range(16)], 16, seed=3, temperature=0.8)
    ratio = check_ratio(recompute_logprobs(tiny_policy.model, rollout), rollout)
    assert ratio.shape == rollout.mask.shape
    assert (ratio - 1).abs().max() <= 1e-5 and bool((ratio[~rollout.mask] == 1).all())


def test_check_ratio_catches_a_loss_that_forgets_the_temperature(tiny_policy):
    # known wrong: scoring at T = 1 a rollout sampled at T = 0.8
    rollout = sample(tiny_policy, [PROMPTS[i] for i in range(16)], 16, seed=3, temperature=0.8)
    wrong = recompute_logprobs(tiny_policy.model, dataclasses.replace(rollout, temperature=1.0))
    with pytest.raises(RuntimeError, match=r"pi_new / pi_old is off 1 by .* \(tolerance 0\.0001\)"):
        check_ratio(wrong, rollout)
    # a deviation below the tolerance passes
    check_ratio(rollout.logprobs + 0.5 * ratio_tolerance(torch.float32) * rollout.mask, rollout)
