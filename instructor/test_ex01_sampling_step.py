"""Grades ex01: one sampling step, against sampling.sampling_logprobs and sampling.draw."""

import torch

from a2c_lessons import sampling
from a2c_lessons.grading import expect_close, expect_tensor, fail, points

EXERCISE = "ex01_sampling_step"
BATCH, VOCAB = 32, 7


def logits_and_uniforms(seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(BATCH, VOCAB, generator=gen) * 2, torch.rand(BATCH, generator=gen)


def _case(seed, temperature=None):
    t = "" if temperature is None else f", temperature {temperature}"
    return f"a batch of {BATCH} random next-token logits over {VOCAB} tokens (seed {seed}{t})"


@points(2)
def test_tempered_logprobs(student):
    """tempered_logprobs matches the library"""
    for seed, temperature in ((160, 0.5), (161, 1.0), (162, 2.0)):
        logits, _ = logits_and_uniforms(seed)
        expected = sampling.sampling_logprobs(logits, temperature=temperature)
        out = student.call(EXERCISE, "tempered_logprobs", logits.clone(), temperature=temperature)
        got = expect_tensor(out, "tempered_logprobs", (BATCH, VOCAB))
        wrong = {
            "the logits are multiplied by the temperature; divide them by it.": sampling.sampling_logprobs(
                logits, temperature=1 / temperature
            ),
            "the temperature is ignored.": sampling.sampling_logprobs(logits, temperature=1.0),
            "those are probabilities; return log-probabilities (log_softmax).": expected.exp(),
            "those are not normalised: apply log_softmax to logits / T.": logits / temperature,
        }
        expect_close(got, expected, "tempered_logprobs", _case(seed, temperature), wrong=wrong)


@points(2)
def test_inverse_cdf_draw(student):
    """inverse_cdf_draw matches the library"""
    for seed in (163, 164):
        logits, uniforms = logits_and_uniforms(seed)
        logprobs = sampling.sampling_logprobs(logits)
        expected = sampling.draw(logprobs, uniforms)
        out = student.call(EXERCISE, "inverse_cdf_draw", logprobs.clone(), uniforms.clone())
        got = expect_tensor(out, "inverse_cdf_draw", (BATCH,), integer=True)
        cdf_of_logprobs = (logprobs.cumsum(-1) <= uniforms.unsqueeze(-1)).sum(-1).clamp(max=VOCAB - 1)
        wrong = {
            "that is the most likely token (greedy); draw the token whose CDF interval holds u.": logprobs.argmax(-1),
            "the draw uses 1 - u; the token drawn for u is the first whose cumulative probability exceeds u.": (
                sampling.draw(logprobs, 1 - uniforms)
            ),
            "off by one: the first token whose cumulative probability exceeds u is the one drawn.": (
                (expected + 1).clamp(max=VOCAB - 1)
            ),
            "the cumulative sum is over log-probabilities; exponentiate them first.": cdf_of_logprobs,
        }
        expect_close(got, expected, "inverse_cdf_draw", _case(seed), wrong=wrong)


@points(1)
def test_sample_step(student):
    """sample_step returns the drawn tokens and their log-probs at temperature T"""
    logits, uniforms = logits_and_uniforms(165)
    temperature = 0.7
    logprobs = sampling.sampling_logprobs(logits, temperature=temperature)
    tokens = sampling.draw(logprobs, uniforms)
    out = student.call(EXERCISE, "sample_step", logits.clone(), uniforms.clone(), temperature=temperature)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        fail(f"sample_step must return two tensors (tokens, logprobs); got {type(out).__name__}.")
    got_tokens = expect_tensor(out[0], "sample_step's tokens", (BATCH,), integer=True)
    greedy = {"that is the most likely token (greedy); draw the token whose CDF interval holds u.": logprobs.argmax(-1)}
    expect_close(got_tokens, tokens, "sample_step's tokens", _case(165, temperature), wrong=greedy)
    got_logprobs = expect_tensor(out[1], "sample_step's logprobs", (BATCH,))
    at_one = sampling.sampling_logprobs(logits).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    wrong = {"that is log pi at temperature 1; the log-prob must be taken at the sampling temperature.": at_one}
    expected = logprobs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    expect_close(got_logprobs, expected, "sample_step's logprobs", _case(165, temperature), wrong=wrong)
