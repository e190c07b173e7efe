"""Hidden test of ex08: long responses, and the edges gamma = 0 and gamma = 1."""

from a2c_lessons import advantages
from a2c_lessons.grading import expect_close, expect_tensor, points, random_batch

EXERCISE = "ex08_discounted_returns"


@points(1, hidden=True)
def test_long_responses_and_edge_discounts(student):
    """discounted_returns on long responses with gamma = 0, 0.99 and 1"""
    for seed, gamma in ((1301, 0.0), (1302, 0.99), (1303, 1.0)):
        batch = random_batch(seed, batch=8, time=40)
        out = student.call(EXERCISE, "discounted_returns", *batch.inputs("rewards", "mask"), gamma=gamma)
        got = expect_tensor(out, "discounted_returns", batch.shape)
        expected = advantages.discounted_returns(batch.rewards, batch.mask, gamma=gamma)
        expect_close(got, expected, "discounted_returns", f"{batch.describe()} with gamma={gamma}", mask=batch.mask)
