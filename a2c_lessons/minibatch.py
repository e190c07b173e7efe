"""One batch cut into rows: each process's share, PPO's minibatches, and every tensor the passes share, indexed alike.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> **a2c_loss -> step**, where step 5
takes `minibatches` optimiser steps per pass over the batch (`ppo_epochs` passes). Each pass draws a fresh shuffle
of the batch's B rows into M parts of B / M; the loss of a minibatch reads its rows of the rollout and of the
fixed `Targets` (log pi_old, A, V_old, the critic's targets, the mask), all (B, T) before indexing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from a2c_lessons.sampling import Rollout


def process_rows(batch_size: int, processes: int, index: int, group_size: int | None = None) -> slice:
    """Process `index`'s rows of the global batch of `batch_size`, split evenly over `processes`; with a group
    estimator (`group_size` G) each process's share holds whole groups, so no group straddles two processes."""
    if batch_size % processes:
        raise ValueError(f"batch_size ({batch_size}) must be divisible by the number of processes ({processes})")
    local = batch_size // processes
    if group_size is not None and local % group_size:
        raise ValueError(f"each process's batch ({local}) must be a multiple of group_size ({group_size})")
    return slice(index * local, (index + 1) * local)


def minibatch_rows(batch: int, minibatches: int, generator: torch.Generator) -> list[torch.Tensor]:
    """The rows of each minibatch of one pass: the whole batch in order (no draw from `generator`) for one, else a
    fresh shuffle in `minibatches` parts. Each part is a (batch / minibatches,) long tensor."""
    if batch % minibatches:
        raise ValueError(f"the batch ({batch}) must be a multiple of minibatches ({minibatches})")
    if minibatches == 1:
        return [torch.arange(batch)]
    return list(torch.randperm(batch, generator=generator).chunk(minibatches))


@dataclass
class Scored:
    """One forward pass over (some rows of) a batch, with gradients. B = batch, T = time.

    logprobs: (B, T) log pi_T of the sampled tokens; values: (B, T) V(x, y_<t); entropy: (B, T) H_t."""

    logprobs: torch.Tensor
    values: torch.Tensor
    entropy: torch.Tensor


@dataclass(kw_only=True)  # five (B, T) tensors: built by name, never by position
class Targets:
    """What the update's passes hold fixed, all (B, T) and detached: log pi_old (the sampler's weights), A, V_old,
    the critic's targets, and the mask."""

    old_logprobs: torch.Tensor
    advantages: torch.Tensor
    old_values: torch.Tensor
    returns: torch.Tensor
    mask: torch.Tensor

    def rows(self, rows: torch.Tensor) -> Targets:
        """The minibatch `rows` ((rows,) long) of every tensor."""
        return Targets(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})


def rollout_rows(rollout: Rollout, rows: torch.Tensor) -> Rollout:
    """The minibatch `rows` ((rows,) long) of a rollout: every (B, ...) tensor and list, indexed alike."""
    device_rows = rows.to(rollout.mask.device)
    picked = rows.tolist()
    return replace(
        rollout,
        prompt_ids=rollout.prompt_ids[device_rows],
        prompt_mask=rollout.prompt_mask[device_rows],
        response_ids=rollout.response_ids[device_rows],
        logprobs=rollout.logprobs[device_rows],
        mask=rollout.mask[device_rows],
        prompts=[rollout.prompts[i] for i in picked],
        texts=[rollout.texts[i] for i in picked],
    )
