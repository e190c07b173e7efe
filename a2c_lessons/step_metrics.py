"""One training step's row of metrics: what the step measured, averaged over processes.

Place in the data flow: after the line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`:
the row `A2CTrainer.metrics` appends, and `curves` and the run folder's metrics.jsonl read.

    kl = mean_b sum_t KL_t (the penalised estimator),  adv_mean, adv_std over real tokens,
    clip_fraction = share of tokens whose gradient PPO's clip cut,  approx_kl = KL(pi_old || pi) after the epochs
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from a2c_lessons import losses
from a2c_lessons.critic import explained_variance
from a2c_lessons.masked import masked_mean, masked_sum, masked_var
from a2c_lessons.minibatch import Targets
from a2c_lessons.rewards import review_stats
from a2c_lessons.sampling import Rollout


@dataclass
class Update:
    """What step 5 measured: the first pass's loss terms, the mean gradient norm before clipping, the mean clip
    fraction, the approximate KL(pi_old || pi) of the last epoch, the epochs run, the last pass's max |rho - 1|."""

    loss: losses.A2CLoss
    grad_norm: torch.Tensor
    clip_fraction: torch.Tensor
    approx_kl: torch.Tensor
    epochs: int
    ratio_dev: torch.Tensor


@dataclass(kw_only=True)  # seven fields, three of them tensors: built by name, never by position
class StepRecord:
    """What one step measured, for its row of metrics. B = batch, T = time.

    rollout: the step's Rollout; scores: (B,) rewards; kl: (B, T) the penalised per-token KL;
    update: step 5's `Update`; targets: what the update held fixed (A, V before the update, the critic's
    targets, the mask; `minibatch.Targets`);
    ratio: (B, T) pi_new / pi_old before the update; start: perf_counter at the step's start.
    """

    rollout: Rollout
    scores: torch.Tensor
    kl: torch.Tensor
    update: Update
    targets: Targets
    ratio: torch.Tensor
    start: float


def step_row(record: StepRecord, accelerator, *, step: int, critic: bool) -> dict[str, float]:
    """The step's metrics, each averaged over processes; the critic's loss and explained variance only when a
    critic is trained (`critic`)."""
    mask = record.rollout.mask
    loss = record.update.loss
    reviews = review_stats(record.rollout.reviews)
    local = {
        "reward": record.scores.mean(),
        "positive": torch.tensor(reviews["positive"]),
        "grammatical": torch.tensor(reviews["grammatical"]),
        "kl": masked_sum(record.kl, mask, dim=1).mean(),  # per sequence, the estimator that is penalised
        "entropy": loss.entropy.detach(),
        "actor_loss": loss.actor.detach(),
        "adv_mean": masked_mean(record.targets.advantages, mask),
        "adv_std": masked_var(record.targets.advantages, mask).sqrt(),
        "ratio_max_dev": (record.ratio - 1).abs().max(),
        "clip_fraction": record.update.clip_fraction,
        "approx_kl": record.update.approx_kl,
        "ppo_ratio_max_dev": record.update.ratio_dev,
        "response_length": mask.sum(dim=1).float().mean(),
        "tokens": mask.sum().float(),
    }
    if critic:
        local["critic_loss"] = loss.critic.detach()
    # one gather over processes and one device-to-host copy for all of them, not one per metric
    local_values = torch.stack([v.detach().float().reshape(()).to(accelerator.device) for v in local.values()])
    means = accelerator.gather_for_metrics(local_values.unsqueeze(0)).mean(dim=0)  # (processes, K) -> (K,)
    row = dict(zip(local, means.tolist()))
    row["tokens"] *= accelerator.num_processes
    row["step"] = step
    row["grad_norm"] = float(record.update.grad_norm)
    row["epochs"] = record.update.epochs
    if critic:
        row["explained_var"] = explained_variance(record.targets.old_values, record.targets.returns, mask)
    row["tokens_per_s"] = row["tokens"] / (time.perf_counter() - record.start)
    return row
