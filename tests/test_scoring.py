"""The scoring side of a rollout: pi(. | x) after a prompt, and word masses.

(The scoring forward itself, `response_forward`, is held to the model's own numbers in test_fastpath.py,
and `logprobs_of` to the sampler's log-probs in test_sampling.py.)
"""

import torch

from a2c_lessons.sampling import sample
from a2c_lessons.scoring import next_token_logprobs, next_token_probs, word_mass


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
