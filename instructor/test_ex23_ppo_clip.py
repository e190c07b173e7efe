"""Grades ex23: PPO's clipped surrogate loss, against losses.ppo_clip_loss."""

import torch

from a2c_lessons import losses
from a2c_lessons.grading import Grad, close, expect_close, expect_tensor, fail, full_mask, points, random_batch

EXERCISE = "ex23_ppo_clip"
CLIP = 0.2


def case(seed):
    """A batch whose new log-probs have moved from the old ones, some ratios past 1 +- eps."""
    batch = random_batch(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    old_logprobs = batch.logprobs - 0.4 * torch.randn(batch.shape, generator=gen)
    return batch, old_logprobs


def known_wrong(new, old, adv, mask, clip):
    """message -> what a known-wrong version returns on these inputs."""
    ratio = torch.exp(new - old)

    def reduce(per_token):
        return -torch.where(mask, per_token, 0.0).sum(dim=1).mean()

    surrogate = torch.minimum(ratio * adv, ratio.clamp(1 - clip, 1 + clip) * adv)
    inverse = torch.exp(old - new)
    return {
        "that takes the max of the two terms; PPO takes the min, the pessimistic one.": reduce(
            torch.maximum(ratio * adv, ratio.clamp(1 - clip, 1 + clip) * adv)
        ),
        "that is only the clipped term; PPO takes the min of the clipped and the unclipped term.": reduce(
            ratio.clamp(1 - clip, 1 + clip) * adv
        ),
        "nothing is clipped: that is rho * A alone.": reduce(ratio * adv),
        "the ratio is upside down: rho = pi_new / pi_old = exp(new - old).": reduce(
            torch.minimum(inverse * adv, inverse.clamp(1 - clip, 1 + clip) * adv)
        ),
        "the sign is flipped: the loss is minus the surrogate.": -reduce(surrogate),
        "that averages over all tokens; sum over each response's tokens, then average over responses.": -(
            torch.where(mask, surrogate, 0.0).sum() / mask.sum()
        ),
        "the mask is ignored: pad tokens must add nothing.": losses.ppo_clip_loss(
            new, old, adv, full_mask(mask), clip=clip
        ),
    }


def loss(student, new, old, adv, mask, clip=CLIP):
    out = student.call(EXERCISE, "ppo_clip_loss", new.clone(), old.clone(), adv.clone(), mask.clone(), clip=clip)
    b, t = mask.shape
    hints = {(b,): "That is one value per response: L is their mean.", (b, t): "That is one value per token."}
    return expect_tensor(out, "ppo_clip_loss", (), hints=hints)


@points(1)
def test_returns_a_scalar(student):
    """ppo_clip_loss returns one number"""
    batch, old = case(190)
    loss(student, batch.logprobs, old, batch.advantages, batch.mask)


@points(2)
def test_matches_library(student):
    """ppo_clip_loss matches the library on random batches"""
    for seed, clip in ((191, 0.2), (192, 0.1), (193, 0.3)):
        batch, old = case(seed)
        new, adv, mask = batch.logprobs, batch.advantages, batch.mask
        expected = losses.ppo_clip_loss(new, old, adv, mask, clip=clip)
        got = loss(student, new, old, adv, mask, clip)
        wrong = known_wrong(new, old, adv, mask, clip)
        expect_close(got, expected, "ppo_clip_loss", f"{batch.describe()} with eps={clip}", wrong=wrong)


@points(1)
def test_gradient_is_a2c_at_ratio_one_and_zero_once_clipped(student):
    """at rho = 1 the gradient is A2C's; past the clip in A's direction it is 0"""
    batch = random_batch(194)
    new, adv, mask = batch.logprobs, batch.advantages, batch.mask
    result = student.differentiate(
        EXERCISE, "ppo_clip_loss", Grad(new), new.clone(), adv.clone(), mask.clone(), clip=CLIP
    )
    reference = new.clone().requires_grad_()
    losses.a2c_loss(reference, adv, mask).backward()
    if result.grads[0] is None or not close(result.grads[0], reference.grad):
        fail("At rho = 1 (new = old) the gradient of the clipped loss must equal the A2C loss's gradient.")
    moved = new + 0.5 * torch.sign(adv)  # every ratio past 1 +- 0.2 in the direction its advantage wants
    result = student.differentiate(
        EXERCISE, "ppo_clip_loss", Grad(moved), new.clone(), adv.clone(), mask.clone(), clip=CLIP
    )
    if result.grads[0] is not None and not close(result.grads[0], torch.zeros_like(new)):
        fail("Once a token's ratio is past the clip in the direction its advantage pushes, its gradient must be 0.")
