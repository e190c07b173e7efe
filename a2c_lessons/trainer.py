"""The A2C loop: fine-tune a causal LM so that its reviews earn more reward.

Place in the data flow: the whole line, once per step:

    prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step

Each step minimises, on a fresh batch from the current policy,

    L = -E[U] + vf_coef * critic_loss - ent_coef * entropy,   U = sum_t log pi(y_t | x, y_<t) * A_t

with A from GAE on rewards r_t = (score on the last real token) - kl_coef * KL_t(pi || pi_ref).
One optimiser step per batch: the rollout's log-probs and the loss's come from the
same weights, so the probability ratio pi_new / pi_old is 1 up to float rounding.
Every step checks this before it updates (`scoring.check_ratio`): a ratio off 1 by more than
1e-4 means the loss does not score what the sampler drew, and the step raises. So does a NaN or
inf loss, reward or gradient norm (`NonFiniteError`), before any weight changes.

It runs unchanged under `accelerate launch` / `torchrun`: each process samples its
slice of one global batch drawn from the shared seed, and gradients are averaged.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from accelerate import Accelerator
from tqdm.auto import tqdm

from a2c_lessons import advantages as adv
from a2c_lessons import losses, threads
from a2c_lessons.config import A2CConfig
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.critic import ActorCritic, explained_variance
from a2c_lessons.evaluation import evaluate_policy
from a2c_lessons.masked import masked_mean, masked_sum, masked_var
from a2c_lessons.policy import Policy, load_policy
from a2c_lessons.rewards import LearnedReward, RewardFn, get_reward, review_stats, score
from a2c_lessons.runfolder import append_line, json_line
from a2c_lessons.sampling import Rollout, sample
from a2c_lessons.scoring import check_ratio, full_logprobs, logprobs_of, response_logprobs

KL_ESTIMATORS = {"k1": losses.kl_k1, "k3": losses.kl_k3}


class NonFiniteError(FloatingPointError):
    """A step met a NaN or inf loss, reward or gradient; it stopped before changing any weight."""


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
        self.policy = policy or load_policy(cfg.model, device=self.accelerator.device, dtype=cfg.dtype)
        self.reward_fn = reward_fn or (LearnedReward(cfg.reward_model) if cfg.reward_model else get_reward(cfg.reward))
        # pi_ref: the starting weights, frozen; dropout is off in all three models (eval mode)
        self.ref_model = copy.deepcopy(self.policy.model).eval().requires_grad_(False)
        critic_model = copy.deepcopy(self.policy.model).eval() if cfg.separate_critic else None
        # eval mode throughout: dropout would make the loss's log-probs differ from the sampler's
        actor_critic = ActorCritic(self.policy.model, critic_model).to(self.accelerator.device).eval()
        optimizer = torch.optim.Adam(actor_critic.parameters(), lr=cfg.lr)
        self.actor_critic, self.optimizer = self.accelerator.prepare(actor_critic, optimizer)
        self.generator = torch.Generator("cpu").manual_seed(cfg.seed)
        self.step_count, self.metrics = 0, []
        # a step that stops before its optimiser update leaves the last finished step's state (but for the RNG,
        # which `rewind` puts back); one that stops after it (mid_step) leaves no consistent state to save
        self.mid_step, self.rng_at_step_start = False, None
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
        self.rng_at_step_start = self.generator.get_state()
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
            logprobs,
            advantages,
            values,
            returns,
            losses.token_entropy(logprobs_full),
            mask,
            vf_coef=cfg.vf_coef * share,
            ent_coef=cfg.ent_coef * share,
        )
        grad_norm = self._optimizer_step(loss.total, rewards)
        row = self._log(StepRecord(rollout, scores, kl, loss, advantages, old_values, returns, ratio, grad_norm, start))
        self.mid_step, self.rng_at_step_start = False, None
        return row

    def rewind(self) -> bool:
        """After an exception inside `step`: True, with the RNG put back, if the step stopped before its update
        (the state is then the last finished step's, ready to save); False if it stopped after."""
        if self.mid_step:
            return False
        if self.rng_at_step_start is not None:
            self.generator.set_state(self.rng_at_step_start)
            self.rng_at_step_start = None
        return True

    def _optimizer_step(self, loss: torch.Tensor, rewards: torch.Tensor) -> torch.Tensor:
        """Backward (gradients averaged over processes), clip to max_grad_norm, step; the norm before clipping.

        A NaN or inf loss, reward (B, T) or gradient norm on any process raises NonFiniteError before the
        optimiser step: no weight changes, and `rewind` gives back the last finished step's state."""
        self.optimizer.zero_grad(set_to_none=True)
        self.accelerator.backward(loss)
        grad_norm = self.accelerator.clip_grad_norm_(self.actor_critic.parameters(), self.cfg.max_grad_norm)
        checked = {"loss": loss.detach(), "reward": rewards.detach().abs().max(), "gradient norm": grad_norm.detach()}
        bad = torch.stack([(~torch.isfinite(v.float())).float() for v in checked.values()])
        if self.accelerator.num_processes > 1:  # every process must stop at the same step, or the others hang
            bad = self.accelerator.reduce(bad, reduction="sum")
        if bad.any():
            found = ", ".join(f"{name} {float(v):.3g}" for name, v in checked.items())
            raise NonFiniteError(f"step {self.step_count + 1}: a non-finite value ({found}); no weight was updated")
        self.mid_step = True  # from here to the end of the step, the state is half old, half new
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
            "reward": record.scores.mean(),
            "positive": torch.tensor(reviews["positive"]),
            "grammatical": torch.tensor(reviews["grammatical"]),
            "kl": masked_sum(record.kl, mask, dim=1).mean(),  # per sequence, the estimator that is penalised
            "entropy": loss.entropy.detach(),
            "actor_loss": loss.actor.detach(),
            "critic_loss": loss.critic.detach(),
            "adv_mean": masked_mean(record.advantages, mask),
            "adv_std": masked_var(record.advantages, mask).sqrt(),
            "ratio_max_dev": (record.ratio - 1).abs().max(),
            "tokens": mask.sum().float(),
        }
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
        """The stopping rule: the mean fraction positive of the last `stop_window` steps reaches stop_positive
        (for the sentiment rewards only: a reward learned from preferences aims at something else)."""
        cfg, recent = self.cfg, self.metrics[-self.cfg.stop_window :]
        if cfg.stop_positive is None or cfg.reward_model is not None or len(recent) < cfg.stop_window:
            return False
        return sum(m["positive"] for m in recent) / len(recent) >= cfg.stop_positive

    def train(
        self, steps: int | None = None, *, progress: bool = True, metrics_path: Path | None = None, callback=None
    ) -> list[dict[str, float]]:
        """Run up to `steps` (default cfg.steps) updates; print a one-line summary; return the metrics.
        `callback(trainer, row)` runs after each step and stops the run by returning True."""
        steps = self.cfg.steps if steps is None else steps
        if self.should_stop():  # a resumed run that had already stopped takes no extra step
            steps = 0
        main = self.accelerator.is_main_process
        bar = tqdm(range(steps), desc="A2C", disable=not (progress and main))
        for _ in bar:
            row = self.step()
            bar.set_postfix(reward=f"{row['reward']:.2f}", positive=f"{row['positive']:.0%}", kl=f"{row['kl']:.2f}")
            if metrics_path is not None and main:
                append_line(metrics_path, json_line(row))  # whole lines of valid JSON, even after a kill
            if callback is not None and callback(self, row):  # a callback returns True to stop here
                break
            if self.should_stop():
                break
        if main and progress and self.metrics:
            last = self.metrics[-1]
            aim = "" if self.cfg.reward_model else f", {last['positive']:.0%} positive"  # sentiment is not the aim
            print(f"A2C: {self.step_count} steps, reward {last['reward']:.2f}{aim} (last batch), KL {last['kl']:.2f}")
        return self.metrics

    def evaluate(self, n: int = 2000, *, seed: int = 10_000, batch_size: int = 500) -> dict[str, float]:
        """`evaluate_policy` of this run's policy against its reference model."""
        return evaluate_policy(
            self.policy, self.ref_model, n, seed=seed, max_new_tokens=self.cfg.max_new_tokens, batch_size=batch_size
        )

    def config_dict(self) -> dict:
        return asdict(self.cfg)
