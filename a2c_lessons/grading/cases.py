"""Seeded inputs for the coding exercises, and the one-SGD-step reference for "which way does pi move".

Every case is drawn from a fixed seed, so grading is deterministic. Pad entries
(mask False) hold random numbers on purpose: a function that ignores the mask gets
a different answer, and the grader can say so. The probability-change reference
takes one real gradient step on the library's `a2c_loss`, so "A > 0 raises pi" is
checked against autograd rather than restated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class RandomInputs:
    """The inputs of one (batch, time) case, random or hand-written. Shapes: B = batch, T = time.

    logprobs: (B, T) float, log pi of sampled tokens, in [-4, -0.05]; random on pads too.
    advantages, rewards, values: (B, T) float, standard normal; random on pads too.
    mask: (B, T) bool, True on a prefix of each row; row 0 is full, the last row has one token.
    """

    seed: int | None  # None for a hand-written case
    logprobs: torch.Tensor
    advantages: torch.Tensor
    rewards: torch.Tensor
    values: torch.Tensor
    mask: torch.Tensor

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.mask.shape)

    def describe(self) -> str:
        """The case in words, for a failure message."""
        lengths = [int(n) for n in self.mask.sum(dim=1)]
        origin = "the hand-worked case" if self.seed is None else f"seed {self.seed}"
        return f"a batch of {self.shape[0]} responses of lengths {lengths} padded to {self.shape[1]} ({origin})"

    def inputs(self, *names: str) -> list[torch.Tensor]:
        """Fresh copies of the named tensors, so a student's in-place edit cannot change the reference's inputs."""
        return [getattr(self, name).clone() for name in names]


def random_batch(seed: int, batch: int = 4, time: int = 6) -> RandomInputs:
    """RandomInputs drawn from `seed` (float32, as a Rollout holds)."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, time + 1, (batch,), generator=gen)
    lengths[0], lengths[-1] = time, 1  # one full row and one single-token row: the edges where off-by-ones live
    mask = torch.arange(time) < lengths.unsqueeze(1)  # (B, T)
    logprobs = -(torch.rand(batch, time, generator=gen) * 3.95 + 0.05)
    normal = [torch.randn(batch, time, generator=gen) for _ in range(3)]
    return RandomInputs(seed, logprobs, *normal, mask)


def full_mask(mask: torch.Tensor) -> torch.Tensor:
    """(B, T) all True: feeding it to the library gives what a function that ignores the mask returns."""
    return torch.ones_like(mask)


def logprob_gradient(loss_fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]) -> Callable:
    """dL/d(log pi) of a loss written in torch, e.g. `losses.a2c_loss`: (logprobs, advantages, mask) -> (B, T)."""

    def gradient(logprobs: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        logprobs = logprobs.detach().requires_grad_()
        (grad,) = torch.autograd.grad(loss_fn(logprobs, advantages, mask), logprobs, allow_unused=True)
        return torch.zeros_like(logprobs) if grad is None else grad

    return gradient


def probability_changes(
    logprob_grad: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    vocab: int = 5,
    lr: float = 0.1,
    seed: int = 0,
) -> torch.Tensor:
    """How pi(y_t) of each sampled token changes after one SGD step on a loss.

    Each (b, t) gets its own logits over `vocab` tokens, so tokens do not interact
    and the change of pi(y_t) is driven by that token's own advantage alone. The
    loss enters only through its gradient with respect to log pi, so the loss may
    be the library's (`logprob_gradient(losses.a2c_loss)`) or a student's, run in
    the sandbox; the chain rule down to the logits happens here.

    Args:
        logprob_grad: (logprobs, advantages, mask) -> (B, T) float, dL/d(log pi(y_t)).
        advantages: (B, T) float; mask: (B, T) bool.
    Returns:
        (B, T) float64, pi_new(y_t) - pi_old(y_t); exactly 0 where the loss has no gradient.
    """
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(*mask.shape, vocab, generator=gen, dtype=torch.float64, requires_grad=True)  # (B, T, V)
    tokens = torch.randint(vocab, mask.shape, generator=gen).unsqueeze(-1)  # (B, T, 1)
    logprobs = F.log_softmax(logits, dim=-1).gather(-1, tokens).squeeze(-1)  # (B, T)
    upstream = logprob_grad(logprobs.detach(), advantages.double(), mask.clone())
    (grad,) = torch.autograd.grad(logprobs, logits, grad_outputs=upstream.double())  # (B, T, V)
    with torch.no_grad():
        old = logits.softmax(-1).gather(-1, tokens).squeeze(-1)
        new = (logits - lr * grad).softmax(-1).gather(-1, tokens).squeeze(-1)
    return new - old
