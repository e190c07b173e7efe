"""Hidden test of ex04: NaN on pad tokens must not leak into U (mask with torch.where, not multiplication)."""

import math

from a2c_lessons import losses
from a2c_lessons.grading import expect_close, expect_tensor, points, random_batch

EXERCISE = "ex04_sequence_utility"


@points(1, hidden=True)
def test_nan_on_pads_does_not_leak(student):
    """NaN on pad tokens does not leak into U"""
    batch = random_batch(1101)
    batch.logprobs.masked_fill_(~batch.mask, math.nan)
    batch.advantages.masked_fill_(~batch.mask, math.nan)
    out = student.call(EXERCISE, "sequence_utility", *batch.inputs("logprobs", "advantages", "mask"))
    got = expect_tensor(
        out, "sequence_utility (with NaN on pads: 0 * NaN is NaN, so mask with torch.where)", (batch.shape[0],)
    )
    expected = losses.sequence_utility(batch.logprobs, batch.advantages, batch.mask)
    expect_close(got, expected, "sequence_utility", batch.describe() + " with NaN on every pad entry")
