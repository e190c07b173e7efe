"""The A2C loop: fine-tune a causal LM so that its reviews earn more reward.

Place in the data flow: the whole line, once per step:

    prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step

Each step minimises, on a fresh batch from the current policy,

    L = -E[U] + vf_coef * critic_loss - ent_coef * entropy,   U = sum_t log pi(y_t | x, y_<t) * A_t

with A from GAE on rewards r_t = (score on the last real token) - kl_coef * KL_t(pi || pi_ref).
One optimiser step per batch: the rollout's log-probs and the loss's come from the
same weights, so the probability ratio pi_new / pi_old is 1 up to float rounding.
Every step checks this before it updates (`scoring.check_ratio`): a ratio off 1 by more than
1e-4 means the loss does not score what the sampler drew, and the step raises.

It runs unchanged under `accelerate launch` / `torchrun`: each process samples its
slice of one global batch drawn from the shared seed, and gradients are averaged.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import torch
from accelerate import Accelerator
from tqdm.auto import tqdm

from a2c_lessons import advantages as adv
from a2c_lessons import losses, threads
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.critic import ActorCritic, explained_variance
from a2c_lessons.evaluation import evaluate_policy
from a2c_lessons.masked import masked_mean, masked_sum, masked_var
from a2c_lessons.policy import Policy, load_policy
from a2c_lessons.rewards import RewardFn, get_reward, review_stats, score
from a2c_lessons.sampling import Rollout, sample
from a2c_lessons.scoring import check_ratio, full_logprobs, logprobs_of, response_logprobs


@dataclass(frozen=True)
class A2CConfig:
    seed: int = 0
    """seeds prompts and samples; the same seed gives the same run"""
    steps: int = 300
    """most optimiser steps (training stops earlier once `stop_positive` is reached)"""
    batch_size: int = 64
    """responses per step, over all processes"""
    max_new_tokens: int = 24
    """longest response; reviews of the grammar need at most 19 tokens"""
    temperature: float = 1.0
    """sampling temperature; the loss uses the same tempered log-probs"""
    lr: float = 3e-4
    """Adam learning rate of actor and critic"""
    gamma: float = 1.0
    """discount of future rewards"""
    lam: float = 0.95
    """GAE lambda: 0 is TD(0), 1 is Monte-Carlo returns minus V"""
    kl_coef: float = 0.05
    """weight of the per-token KL penalty to the reference model, folded into the rewards"""
    kl_estimator: Literal["k1", "k3"] = "k1"
    """per-token KL estimator, penalised and reported alike"""
    vf_coef: float = 0.5
    """weight of the critic loss"""
    ent_coef: float = 0.0
    """weight of the entropy bonus"""
    max_grad_norm: float = 1.0
    """gradient clipping threshold (global L2 norm)"""
    whiten_advantages: bool = False
    """normalise advantages to mean 0, std 1 over the batch's tokens"""
    use_baseline: bool = True
    """False drops the critic's baseline: A = discounted returns (lesson 6)"""
    sign_bug: bool = False
    """True minimises +E[U] instead of -E[U] (lesson 4): the model learns what the reward dislikes"""
    separate_critic: bool = False
    """give the critic its own copy of the backbone instead of sharing the actor's"""
    reward: str = "exact"
    """'exact' (the grammar's sentiment) or 'model' (the tiny learned reward model)"""
    model: str | None = None
    """hub id or local path of the policy; None is the bundled tiny LM"""
    # the margin above 90% keeps a fresh 2,000-review estimate above 90% (0.93 left one seed in 4 below)
    stop_positive: float | None = 0.95
    """stop once the fraction positive over the last `stop_window` steps reaches this (None: never)"""
    stop_window: int = 5
    """steps averaged for the stopping rule (5 x 64 = 320 reviews)"""

    def __post_init__(self):
        checks = [
            (self.steps >= 1, "steps must be >= 1"), (self.batch_size >= 1, "batch_size must be >= 1"),
            (self.max_new_tokens >= 1, "max_new_tokens must be >= 1"),
            (self.temperature > 0, "temperature must be > 0"),
            (self.lr > 0, "lr must be > 0"), (0 <= self.gamma <= 1, "gamma must be in [0, 1]"),
            (0 <= self.lam <= 1, "lam must be in [0, 1]"), (self.kl_coef >= 0, "kl_coef must be >= 0"),
            (self.kl_estimator in ("k1", "k3"), "kl_estimator must be 'k1' or 'k3'"),
            (self.vf_coef >= 0 and self.ent_coef >= 0, "vf_coef and ent_coef must be >= 0"),
            (self.max_grad_norm > 0, "max_grad_norm must be > 0"), (self.stop_window >= 1, "stop_window must be >= 1"),
            (self.reward in ("exact", "model"), f"reward must be 'exact' or 'model', got {self.reward!r}"),
            (self.stop_positive is None or 0 < self.stop_positive <= 1, "stop_positive must be in (0, 1] or None"),
        ]  # fmt: skip
        for ok, message in checks:
            if not ok:
                raise ValueError(f"A2CConfig: {message}")


KL_ESTIMATORS = {"k1": losses.kl_k1, "k3": losses.kl_k3}


@dataclass
class StepRecord:
    """What one step measured, for its row of metrics. B = batch, T = time.

    rollout: the step's Rollout; scores: (B,) rewards; kl: (B, T) the penalised per-token KL;
    loss: the A2CLoss terms; advantages, values, returns: (B, T) float, as the loss used them;
    ratio: (B, T) pi_new / pi_old; grad_norm: the norm before clipping; start: perf_counter at the step's start.
    """

    rollout: Rollout
    scores: torch.Tensor
    kl: torch.Tensor
    loss: losses.A2CLoss
    advantages: torch.Tensor
    values: torch.Tensor
    returns: torch.Tensor
    ratio: torch.Tensor
    grad_norm: torch.Tensor
    start: float


class A2CTrainer:
    """Holds the state of an A2C run: actor-critic, reference model, optimiser, RNG, metrics."""

    def __init__(self, cfg: A2CConfig, policy: Policy | None = None, reward_fn: RewardFn | None = None):
        self.cfg, self.accelerator = cfg, Accelerator(cpu=not torch.cuda.is_available())
        torch.manual_seed(cfg.seed)
        self.policy = policy or load_policy(cfg.model, device=self.accelerator.device)
        self.reward_fn = reward_fn or get_reward(cfg.reward)
        # pi_ref: the starting weights, frozen; dropout is off in all three models (eval mode)
        self.ref_model = copy.deepcopy(self.policy.model).eval().requires_grad_(False)
        critic_model = copy.deepcopy(self.policy.model).eval() if cfg.separate_critic else None
        # eval mode throughout: dropout would make the loss's log-probs differ from the sampler's
        actor_critic = ActorCritic(self.policy.model, critic_model).to(self.accelerator.device).eval()
        optimizer = torch.optim.Adam(actor_critic.parameters(), lr=cfg.lr)
        self.actor_critic, self.optimizer = self.accelerator.prepare(actor_critic, optimizer)
        self.generator = torch.Generator("cpu").manual_seed(cfg.seed)
        self.step_count, self.metrics = 0, []
        self.mid_step = False  # True while a step runs: an interrupted step leaves no consistent state to save
        world, rank = self.accelerator.num_processes, self.accelerator.process_index
        if cfg.batch_size % world:
            raise ValueError(f"batch_size ({cfg.batch_size}) must be divisible by the number of processes ({world})")
        local = cfg.batch_size // world
        self.rows = slice(rank * local, (rank + 1) * local)  # this process's slice of the global batch

    def _draw_batch(self) -> tuple[list[str], torch.Tensor]:
        """Prompts and sampling uniforms of the global batch (the same on every process), sliced."""
        cfg = self.cfg
        picks = torch.randint(len(PROMPTS), (cfg.batch_size,), generator=self.generator).tolist()
        uniforms = torch.rand(cfg.batch_size, cfg.max_new_tokens, generator=self.generator)
        return [PROMPTS[i] for i in picks][self.rows], uniforms[self.rows].to(self.policy.device)

    @threads.sized_to(lambda trainer: trainer.policy.model)  # one thread for a tiny model on the CPU
    def step(self, rollout: Rollout | None = None) -> dict[str, float]:
        """One A2C update; returns its metrics. `rollout`: a batch sampled from the current weights (lesson 4
        passes the one it built by hand); by default this process's slice of a fresh batch from the run's seed."""
        cfg, start = self.cfg, time.perf_counter()
        self.mid_step = True
        # 1. sample y ~ pi_theta(. | x)
        if rollout is None:
            prompts, uniforms = self._draw_batch()
            rollout = sample(self.policy, prompts, cfg.max_new_tokens, temperature=cfg.temperature, uniforms=uniforms)
        mask = rollout.mask
        # 2. score: one reward per review, on its last real token
        scores = score(self.reward_fn, rollout.reviews).to(mask.device)
        # 3. values V(x, y_<t) and log pi, one forward pass with gradients; log pi_ref without.
        # log pi_T takes the temperature (and top-k / top-p) the rollout was sampled with
        logits, values = self.actor_critic(rollout)
        logprobs_full = full_logprobs(logits, rollout)  # (B, T, V)
        logprobs = response_logprobs(logprobs_full, rollout)  # (B, T)
        ratio = check_ratio(logprobs, rollout)  # (B, T), 1: same weights sampled and scored
        with torch.no_grad():
            ref_logprobs = logprobs_of(self.ref_model, rollout)
        # 4. advantages: KL-penalised rewards, then GAE (or plain returns without a baseline)
        kl = KL_ESTIMATORS[cfg.kl_estimator](rollout.logprobs, ref_logprobs)
        rewards = adv.kl_penalised_rewards(adv.terminal_rewards(scores, mask), kl, mask, kl_coef=cfg.kl_coef)
        old_values = values.detach()
        advantages = adv.gae(rewards, old_values, mask, gamma=cfg.gamma, lam=cfg.lam)
        returns = advantages + old_values
        if not cfg.use_baseline:
            advantages = adv.discounted_returns(rewards, mask, gamma=cfg.gamma)
        if cfg.whiten_advantages:
            advantages = adv.whiten(advantages, mask)
        if cfg.sign_bug:
            advantages = -advantages  # -E[sum log pi * (-A)] = +E[U]: the sign bug
        # 5. loss and step
        share = self._token_share(mask)
        loss = losses.a2c_total_loss(
            logprobs, advantages, values, returns, losses.token_entropy(logprobs_full), mask,
            vf_coef=cfg.vf_coef * share, ent_coef=cfg.ent_coef * share,
        )  # fmt: skip
        grad_norm = self._optimizer_step(loss.total)
        row = self._log(StepRecord(rollout, scores, kl, loss, advantages, old_values, returns, ratio, grad_norm, start))
        self.mid_step = False
        return row

    def _optimizer_step(self, loss: torch.Tensor) -> torch.Tensor:
        """Backward (gradients averaged over processes), clip to max_grad_norm, step; the norm before clipping."""
        self.optimizer.zero_grad(set_to_none=True)
        self.accelerator.backward(loss)
        grad_norm = self.accelerator.clip_grad_norm_(self.actor_critic.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()
        self.step_count += 1
        return grad_norm

    def _token_share(self, mask: torch.Tensor) -> float:
        """Scale for token means so that averaging over processes equals one mean over all tokens."""
        if self.accelerator.num_processes == 1:
            return 1.0
        total = self.accelerator.reduce(mask.sum().float(), reduction="sum")
        return float(mask.sum() * self.accelerator.num_processes / total)

    def _log(self, record: StepRecord) -> dict[str, float]:
        """Append this step's row of metrics, each averaged over processes, and return it."""
        mask, gather, loss = record.rollout.mask, self.accelerator.gather_for_metrics, record.loss
        reviews = review_stats(record.rollout.reviews)
        local = {
            "reward": record.scores.mean(), "positive": torch.tensor(reviews["positive"]),
            "grammatical": torch.tensor(reviews["grammatical"]),
            "kl": masked_sum(record.kl, mask, dim=1).mean(),  # per sequence, the estimator that is penalised
            "entropy": loss.entropy.detach(), "actor_loss": loss.actor.detach(), "critic_loss": loss.critic.detach(),
            "adv_mean": masked_mean(record.advantages, mask), "adv_std": masked_var(record.advantages, mask).sqrt(),
            "ratio_max_dev": (record.ratio - 1).abs().max(), "tokens": mask.sum().float(),
        }  # fmt: skip
        row = {
            k: float(gather(v.detach().float().reshape(1).to(self.accelerator.device)).mean()) for k, v in local.items()
        }
        row["tokens"] *= self.accelerator.num_processes
        explained_var = explained_variance(record.values, record.returns, mask)
        row.update(step=self.step_count, grad_norm=float(record.grad_norm), explained_var=explained_var)
        row["tokens_per_s"] = row["tokens"] / (time.perf_counter() - record.start)
        self.metrics.append(row)
        return row

    def should_stop(self) -> bool:
        """The stopping rule: the mean fraction positive of the last `stop_window` steps reaches stop_positive."""
        cfg, recent = self.cfg, self.metrics[-self.cfg.stop_window :]
        if cfg.stop_positive is None or len(recent) < cfg.stop_window:
            return False
        return sum(m["positive"] for m in recent) / len(recent) >= cfg.stop_positive

    def train(self, steps: int | None = None, *, progress: bool = True, metrics_path: Path | None = None,
              callback=None) -> list[dict[str, float]]:  # fmt: skip
        """Run up to `steps` (default cfg.steps) updates; print a one-line summary; return the metrics."""
        steps = self.cfg.steps if steps is None else steps
        if self.should_stop():  # a resumed run that had already stopped takes no extra step
            steps = 0
        main = self.accelerator.is_main_process
        bar = tqdm(range(steps), desc="A2C", disable=not (progress and main))
        for _ in bar:
            row = self.step()
            bar.set_postfix(reward=f"{row['reward']:.2f}", positive=f"{row['positive']:.0%}", kl=f"{row['kl']:.2f}")
            if metrics_path is not None and main:
                with open(metrics_path, "a") as f:
                    f.write(json.dumps(row) + "\n")
            if callback is not None:
                callback(self, row)
            if self.should_stop():
                break
        if main and progress and self.metrics:
            last = self.metrics[-1]
            print(f"A2C: {self.step_count} steps, reward {last['reward']:.2f}, {last['positive']:.0%} positive "
                  f"(last batch), KL {last['kl']:.2f}")  # fmt: skip
        return self.metrics

    def evaluate(self, n: int = 2000, *, seed: int = 10_000, batch_size: int = 500) -> dict[str, float]:
        """`evaluate_policy` of this run's policy against its reference model."""
        return evaluate_policy(
            self.policy, self.ref_model, n, seed=seed, max_new_tokens=self.cfg.max_new_tokens, batch_size=batch_size
        )

    def config_dict(self) -> dict:
        return asdict(self.cfg)
