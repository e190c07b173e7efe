"""Grades ex16: the critic loss 0.5 * masked mean (V - G)^2, against losses.critic_loss."""

from a2c_lessons import losses
from a2c_lessons.grading import Grad, close, expect_close, expect_tensor, fail, full_mask, points, random_batch
from a2c_lessons.masked import masked_mean, masked_sum

EXERCISE = "ex16_critic_loss"


def loss(student, batch, values, returns):
    out = student.call(EXERCISE, "critic_loss", values, returns, batch.mask.clone())
    b, t = batch.shape
    hints = {
        (b,): "That is one value per response: average over all real tokens.",
        (b, t): "That is one value per token.",
    }
    return expect_tensor(out, "critic_loss", (), hints=hints)


@points(1)
def test_returns_a_scalar(student):
    """critic_loss returns one number"""
    batch = random_batch(150)
    loss(student, batch, *batch.inputs("values", "rewards"))


@points(2)
def test_matches_library(student):
    """critic_loss matches the library on random batches"""
    for seed in (151, 152, 153):
        batch = random_batch(seed)
        values, returns, mask = batch.values, batch.rewards, batch.mask  # any numbers serve as returns here
        expected = losses.critic_loss(values, returns, mask)
        errors = (values - returns) ** 2
        wrong = {
            "the factor 0.5 is missing: L_V = 0.5 * mean (V - G)^2.": 2 * expected,
            "the mask is ignored: pad tokens must not count.": losses.critic_loss(values, returns, full_mask(mask)),
            "that is a sum over tokens; L_V is their mean.": 0.5 * masked_sum(errors, mask),
            "that averages each response first; L_V averages over all real tokens of the batch.": (
                0.5 * masked_mean(errors, mask, dim=1).mean()
            ),
            "that is the absolute error; L_V uses the squared error.": 0.5
            * masked_mean((values - returns).abs(), mask),
        }
        got = loss(student, batch, *batch.inputs("values", "rewards"))
        expect_close(got, expected, "critic_loss", batch.describe(), wrong=wrong)


@points(1)
def test_gradient_flows_into_values_only(student):
    """the gradient reaches V, not the returns"""
    batch = random_batch(154)
    values, returns = batch.inputs("values", "rewards")
    result = student.differentiate(EXERCISE, "critic_loss", Grad(values), Grad(returns), batch.mask.clone())
    expect_tensor(result.value, "critic_loss", ())
    if not result.requires_grad:
        fail("No gradient reaches values: the critic cannot learn from this loss (no .detach(), .item() or no_grad).")
    values_grad, returns_grad = result.grads
    if returns_grad is not None and bool(returns_grad.abs().sum() > 0):
        fail("The gradient flows into the returns: detach them. G is the target the critic moves toward.")
    reference = batch.values.clone().requires_grad_()
    losses.critic_loss(reference, batch.rewards, batch.mask).backward()
    if values_grad is None or not close(values_grad, reference.grad):
        fail("dL_V/dV differs from the library's: it should be (V - G) / (number of real tokens) on real tokens.")
