"""Hidden test of ex01: very low and very high temperatures."""

import torch

from a2c_lessons import sampling
from a2c_lessons.grading import expect_close, expect_tensor, points

EXERCISE = "ex01_sampling_step"


@points(1, hidden=True)
def test_extreme_temperatures(student):
    """tempered_logprobs at temperatures 0.05 and 20"""
    logits = torch.randn(16, 50, generator=torch.Generator().manual_seed(1601)) * 5
    for temperature in (0.05, 20.0):
        out = student.call(EXERCISE, "tempered_logprobs", logits.clone(), temperature=temperature)
        got = expect_tensor(out, "tempered_logprobs", (16, 50))
        expected = sampling.sampling_logprobs(logits, temperature=temperature)
        expect_close(got, expected, "tempered_logprobs", f"16 x 50 logits at temperature {temperature}", atol=1e-4)
