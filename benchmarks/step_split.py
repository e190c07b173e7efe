"""Where an A2C step's time goes: sample, score, backward, optimiser, and the rest.

The benchmark wraps the trainer's own calls with clocks, without changing the trainer:

    sample      `sampling.sample` as the trainer calls it (step 1)
    score       the forward passes over the rollout: the actor-critic's (log pi and V, with gradients) and the
                reference's (log pi_ref), step 3
    backward    `accelerator.backward(loss)`
    optimiser   the optimiser's step (Adam), after clipping
    other       the rest: the reward, advantages, the loss, clipping, metrics

Each clock adds to the split of the trainer that is stepping, so two trainers can be timed in one process.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

PARTS = ("sample", "score", "backward", "optimiser", "other")


class StepSplit:
    """Seconds per part of each step of the trainers it `watch`es: splits[name] is a list of {part: s}."""

    def __init__(self):
        self.splits: dict[str, list[dict[str, float]]] = {}
        self.current: dict[str, float] | None = None

    def _clocked(self, part: str, fn: Callable) -> Callable:
        def clocked(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if self.current is not None:
                    self.current[part] += time.perf_counter() - start

        return clocked

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Clocks on the trainer module's own names for `sample` and `recompute_logprobs`, for the block."""
        from a2c_lessons import trainer as trainer_module

        originals = {name: getattr(trainer_module, name) for name in ("sample", "recompute_logprobs")}
        trainer_module.sample = self._clocked("sample", originals["sample"])
        trainer_module.recompute_logprobs = self._clocked("score", originals["recompute_logprobs"])
        try:
            yield
        finally:
            for name, fn in originals.items():
                setattr(trainer_module, name, fn)

    def watch(self, trainer) -> None:
        """Clock this trainer's actor-critic forward, backward and optimiser step (its own instance only)."""
        trainer.actor_critic.forward = self._clocked("score", trainer.actor_critic.forward)
        trainer.accelerator.backward = self._clocked("backward", trainer.accelerator.backward)
        trainer.optimizer.step = self._clocked("optimiser", trainer.optimizer.step)

    def step(self, name: str, trainer) -> dict:
        """One `trainer.step()`, its parts added to splits[name]; returns the step's metrics."""
        self.current = dict.fromkeys(PARTS, 0.0)
        start = time.perf_counter()
        try:
            row = trainer.step()
        finally:
            total = time.perf_counter() - start
            self.current["other"] = total - sum(self.current.values())
            self.splits.setdefault(name, []).append(self.current)
            self.current = None
        return row

    def shares(self, name: str, skip: int = 1) -> dict[str, float]:
        """Each part's share of the steps' total time, the first `skip` (warm-up) steps left out."""
        steps = self.splits[name][skip:] or self.splits[name]
        totals = {part: sum(s[part] for s in steps) for part in PARTS}
        whole = sum(totals.values())
        return {part: seconds / whole for part, seconds in totals.items()}
