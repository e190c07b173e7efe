"""How many CPU threads torch uses for a model's work: one for a small model, torch's own choice otherwise.

Place in the data flow: around the line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`: `sample`, the
scoring passes, the trainer's step and the TRL trainer's run each hold `for_model(model)`.

A tiny model's ops are too small to split: a (64, 128) x (128, 512) matrix product is a
fraction of a millisecond, and two OpenMP threads meet at a barrier after every op. On a
quiet machine the second thread buys little; on a busy one (a browser, an editor, a
notebook's other kernel) one of the two is often descheduled, and the other waits at the
barrier for it, op after op: a lesson ran 3-4x slower on 2 shared cores than with one thread.
A larger model's ops are long enough that the second thread pays for its barriers.

So `for_model(model)` runs its block on one thread when the model is on the CPU and has fewer
than `SMALL_MODEL_PARAMS` parameters, and gives torch's setting back afterwards, whatever it
was. It never changes the thread count outside its block. The user decides over it with the
environment variable `A2C_LESSONS_THREADS`: a number N runs these blocks on N threads, and
0 leaves torch's thread count alone everywhere.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator

import torch

ENV_VAR = "A2C_LESSONS_THREADS"
# between the tiny LM (0.4M), whose steps lose 3-4x to a second thread under load, and the 10M model (6 x 384),
# whose matrix products are long enough to share
SMALL_MODEL_PARAMS = 2_000_000


def user_threads() -> int | None:
    """The thread count `A2C_LESSONS_THREADS` asks for: N >= 1, 0 for "leave torch alone", None when unset."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(f"{ENV_VAR} must be a whole number >= 0 (0: leave torch's thread count alone), got {value!r}")
    return int(value)


def threads_for(model: torch.nn.Module) -> int | None:
    """The intra-op thread count for `model`'s work, or None to leave torch's setting as it is."""
    asked = user_threads()
    if asked is not None:
        return asked or None
    first = next(model.parameters(), None)
    if first is None or first.device.type != "cpu":
        return None  # on a GPU the CPU threads only launch kernels
    return 1 if sum(p.numel() for p in model.parameters()) < SMALL_MODEL_PARAMS else None


@contextlib.contextmanager
def for_model(model: torch.nn.Module) -> Iterator[None]:
    """Run the block with `threads_for(model)` intra-op threads, then restore torch's setting."""
    wanted, before = threads_for(model), torch.get_num_threads()
    if wanted is None or wanted == before:
        yield
        return
    torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def sized_to(get_model: Callable) -> Callable:
    """Decorator for a method: run it under `for_model(get_model(self))`."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            with for_model(get_model(self)):
                return fn(self, *args, **kwargs)

        return wrapper

    return decorate
