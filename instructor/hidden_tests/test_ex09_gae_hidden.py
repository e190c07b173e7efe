"""Hidden test of ex09: NaN on pad tokens must not leak into A (the next value after the last token is 0)."""

import math

from a2c_lessons import advantages
from a2c_lessons.grading import expect_close, expect_tensor, points, random_batch

EXERCISE = "ex09_gae"


@points(1, hidden=True)
def test_nan_on_pads_does_not_leak(student):
    """NaN on pad tokens does not leak into A"""
    batch = random_batch(1401, batch=6, time=12)
    batch.rewards.masked_fill_(~batch.mask, math.nan)
    batch.values.masked_fill_(~batch.mask, math.nan)
    out = student.call(EXERCISE, "gae", *batch.inputs("rewards", "values", "mask"), gamma=0.95, lam=0.9)
    got = expect_tensor(out, "gae (with NaN on pads: 0 * NaN is NaN, so mask with torch.where)", batch.shape)
    expected = advantages.gae(batch.rewards, batch.values, batch.mask, gamma=0.95, lam=0.9)
    expect_close(got, expected, "gae", batch.describe() + " with NaN on every pad entry", mask=batch.mask)
