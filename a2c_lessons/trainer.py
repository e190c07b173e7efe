"""The policy-gradient loop: fine-tune a causal LM so that its reviews earn more reward.

Place in the data flow: the whole line, once per step:

    prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step

Each step minimises, on a fresh batch from the current policy,

    L = -E[U] + vf_coef * critic_loss - ent_coef * entropy,   U = sum_t log pi(y_t | x, y_<t) * A_t

with A from the config's estimator (`estimators.ESTIMATORS`: GAE, A2C, by default) on rewards
r_t = (score on the last real token) - kl_coef * KL_t(pi || pi_ref), the token terms reduced by the config's
aggregation (`aggregation.AGGREGATIONS`: sequence-sum, U = sum_t). By default one step per batch: sampler and loss
use the same weights, so pi_new / pi_old is 1, which every step checks (`logpi.check_ratio`, 1e-4) before it
updates; a NaN or inf loss, reward or gradient norm raises `NonFiniteError` before any weight changes. With
ppo_epochs K or minibatches M above 1 the batch is reused PPO's way (`ppo`): K passes of M steps each.

It runs unchanged under `accelerate launch` / `torchrun`: each process samples its
slice of one global batch drawn from the shared seed, and gradients are averaged.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict
from pathlib import Path

import torch
from accelerate import Accelerator
from tqdm.auto import tqdm

from a2c_lessons import advantages as adv
from a2c_lessons import losses, ppo, precision, threads
from a2c_lessons.aggregation import AGGREGATIONS
from a2c_lessons.config import A2CConfig
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.critic import ActorCritic
from a2c_lessons.estimators import ESTIMATORS, Estimator
from a2c_lessons.evaluation import evaluate_policy
from a2c_lessons.logpi import check_ratio, recompute_logprobs, taken_logprobs, vocab_logprobs
from a2c_lessons.masked import masked_mean
from a2c_lessons.minibatch import Scored, Targets, minibatch_rows, process_rows, rollout_rows
from a2c_lessons.policy import Policy, load_policy
from a2c_lessons.rewards import LearnedReward, RewardFn, get_reward, score
from a2c_lessons.runfolder import append_line, json_line
from a2c_lessons.sampling import Rollout, sample
from a2c_lessons.step_metrics import StepRecord, Update, step_row

KL_ESTIMATORS = {"k1": losses.kl_k1, "k3": losses.kl_k3}


class NonFiniteError(FloatingPointError):
    """A step met a NaN or inf loss, reward or gradient; it stopped before changing any weight."""


class A2CTrainer:
    """Holds the state of a policy-gradient run (A2C by default): actor-critic, reference, optimiser, RNG, metrics.

    `estimator` replaces the config's advantage estimator (lessons 5 and 7 pass `estimators.sign_flipped(...)`)."""

    def __init__(
        self,
        cfg: A2CConfig,
        policy: Policy | None = None,
        reward_fn: RewardFn | None = None,
        estimator: Estimator | None = None,
    ):
        self.cfg = cfg
        self.accelerator = Accelerator(cpu=not torch.cuda.is_available())
        torch.manual_seed(cfg.seed)
        self.policy = policy or load_policy(cfg.model, device=self.accelerator.device, dtype=cfg.dtype)
        precision.check_compute_dtype(self.policy.model, cfg.dtype)  # a given policy must agree with cfg
        self.reward_fn = reward_fn or (LearnedReward(cfg.reward_model) if cfg.reward_model else get_reward(cfg.reward))
        # the member of the family this run trains, looked up once by name
        self.estimator = estimator or ESTIMATORS[cfg.advantage]
        self.aggregate = AGGREGATIONS[cfg.loss_agg]
        self.critic_loss = losses.critic_loss_for(self.estimator.uses_critic, value_clip=cfg.value_clip)
        # pi_ref: the starting weights, frozen; dropout is off in all three models (eval mode)
        self.ref_model = copy.deepcopy(self.policy.model).eval().requires_grad_(False)
        separate = cfg.separate_critic and self.estimator.uses_critic
        critic_model = copy.deepcopy(self.policy.model).eval() if separate else None
        # eval mode throughout: dropout would make the loss's log-probs differ from the sampler's
        actor_critic = ActorCritic(self.policy.model, critic_model).to(self.accelerator.device).eval()
        # an estimator without a critic trains no value head: it stays at zero, outside the optimiser
        actor_critic.value_head.requires_grad_(self.estimator.uses_critic)
        trained = [p for p in actor_critic.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(trained, lr=cfg.lr)
        self.actor_critic, self.optimizer = self.accelerator.prepare(actor_critic, optimizer)
        self.generator = torch.Generator("cpu").manual_seed(cfg.seed)
        self.step_count = 0
        self.metrics = []
        # a step that stops before its optimiser update leaves the last finished step's state (but for the RNG,
        # which `rewind` puts back); one that stops after it (mid_step) leaves no consistent state to save
        self.mid_step = False
        self.rng_at_step_start = None
        group = cfg.group_size if self.estimator.grouped else None
        # this process's slice of the global batch
        self.rows = process_rows(cfg.batch_size, self.accelerator.num_processes, self.accelerator.process_index, group)

    def _draw_batch(self) -> tuple[list[str], torch.Tensor]:
        """Prompts and sampling uniforms of the global batch (the same on every process), sliced. A group
        estimator draws batch_size / group_size prompts and repeats each group_size times, side by side."""
        cfg = self.cfg
        group = cfg.group_size if self.estimator.grouped else 1
        picks = torch.randint(len(PROMPTS), (cfg.batch_size // group,), generator=self.generator)
        picks = picks.repeat_interleave(group).tolist()  # (batch_size,) rows g*G .. (g+1)*G - 1: one prompt
        uniforms = torch.rand(cfg.batch_size, cfg.max_new_tokens, generator=self.generator)
        return [PROMPTS[i] for i in picks][self.rows], uniforms[self.rows].to(self.policy.device)

    @threads.sized_to(lambda trainer: trainer.policy.model)  # one thread for a tiny model on the CPU
    def step(self, rollout: Rollout | None = None) -> dict[str, float]:
        """One update; returns its metrics. `rollout`: a batch sampled from the current weights (lesson 5
        passes the one it built by hand); by default this process's slice of a fresh batch from the run's seed."""
        cfg = self.cfg
        start = time.perf_counter()
        self.rng_at_step_start = self.generator.get_state()
        # 1. sample y ~ pi_theta(. | x)
        if rollout is None:
            prompts, uniforms = self._draw_batch()
            rollout = sample(self.policy, prompts, cfg.max_new_tokens, temperature=cfg.temperature, uniforms=uniforms)
        mask = rollout.mask
        # 2. score: one reward per review, on its last real token
        scores = score(self.reward_fn, rollout.reviews).to(mask.device)
        # 3. values V(x, y_<t) and log pi, one forward pass with gradients (step 5's first pass); log pi_ref without.
        # log pi_T takes the temperature (and top-k / top-p) the rollout was sampled with
        first = self._forward(rollout)
        ratio = check_ratio(first.logprobs, rollout)  # (B, T), 1: same weights sampled and scored
        with torch.no_grad():
            ref_logprobs = recompute_logprobs(self.ref_model, rollout)
        # 4. advantages: KL-penalised rewards, then the estimator the config names
        kl = KL_ESTIMATORS[cfg.kl_estimator](rollout.logprobs, ref_logprobs)
        rewards = adv.kl_penalised_rewards(adv.terminal_rewards(scores, mask), kl, mask, kl_coef=cfg.kl_coef)
        old_values = first.values.detach()
        hyper = dict(gamma=cfg.gamma, lam=cfg.lam, group_size=cfg.group_size)
        advantages = self.estimator.fn(rewards, old_values, mask, **hyper)
        returns = adv.gae(rewards, old_values, mask, gamma=cfg.gamma, lam=cfg.lam) + old_values  # the critic's targets
        if cfg.whiten_advantages:
            advantages = adv.whiten(advantages, mask)
        # 5. loss and step: ppo_epochs passes of `minibatches` steps over the batch (one A2C step by default)
        targets = Targets(
            old_logprobs=first.logprobs.detach(),
            advantages=advantages.detach(),
            old_values=old_values,
            returns=returns.detach(),
            mask=mask,
        )
        update = self._update(rollout, first, targets, rewards)
        self.step_count += 1
        row = self._log(
            StepRecord(rollout=rollout, scores=scores, kl=kl, update=update, targets=targets, ratio=ratio, start=start)
        )
        self.mid_step = False
        self.rng_at_step_start = None
        return row

    def _forward(self, rollout: Rollout) -> Scored:
        """Log pi of the sampled tokens, V and the entropy, with gradients."""
        logits, values = self.actor_critic(rollout)
        logprobs_full = vocab_logprobs(logits, rollout)  # (B, T, V)
        return Scored(taken_logprobs(logprobs_full, rollout), values, losses.token_entropy(logprobs_full))

    def _update(self, rollout: Rollout, first: Scored, targets: Targets, rewards: torch.Tensor) -> Update:
        """Step 5: `ppo_epochs` passes over the batch in `minibatches` optimiser steps each, stopped early once an
        epoch's approximate KL to pi_old passes `target_kl`. The first pass over the whole batch is step 3's forward:
        its weights sampled the batch, so rho = 1 exactly and the step is A2C's, bit for bit."""
        cfg = self.cfg
        grad_norms = []
        fractions = []
        first_loss = None
        for epoch in range(cfg.ppo_epochs):
            epoch_kls = []
            for rows in minibatch_rows(targets.mask.shape[0], cfg.minibatches, self.generator):
                scored = first if epoch == 0 and cfg.minibatches == 1 else self._forward(rollout_rows(rollout, rows))
                mb = targets.rows(rows)
                loss = self._minibatch_loss(scored, mb)
                first_loss = loss if first_loss is None else first_loss
                fractions.append(
                    ppo.clip_fraction(scored.logprobs, mb.old_logprobs, mb.advantages, mb.mask, clip=cfg.clip)
                )
                epoch_kls.append(ppo.approx_kl(scored.logprobs, mb.old_logprobs, mb.mask))
                ratio = torch.exp(scored.logprobs.detach() - mb.old_logprobs)  # (B, T) before this pass's step
                ratio_dev = torch.where(mb.mask, (ratio - 1).abs(), 0.0).max()
                grad_norms.append(self._optimizer_step(loss.total, rewards))
            approx_kl = self._process_mean(torch.stack(epoch_kls).mean())
            if cfg.target_kl is not None and approx_kl > cfg.target_kl:
                break
        grad_norm = torch.stack(grad_norms).mean()
        return Update(first_loss, grad_norm, torch.stack(fractions).mean(), approx_kl, epoch + 1, ratio_dev)

    def _minibatch_loss(self, scored: Scored, mb: Targets) -> losses.A2CLoss:
        """total = actor + vf_coef * critic - ent_coef * entropy on one minibatch; the actor's token terms are
        PPO's clipped utility (A2C's log pi * A at rho = 1), reduced by the config's aggregation."""
        cfg = self.cfg
        share = self._token_share(mb.mask)
        vf_coef = cfg.vf_coef * share
        ent_coef = cfg.ent_coef * share
        terms = ppo.clipped_token_utility(scored.logprobs, mb.old_logprobs, mb.advantages, mb.mask, clip=cfg.clip)
        actor = -self.aggregate(terms, mb.mask, max_new_tokens=cfg.max_new_tokens)
        critic = self.critic_loss(scored.values, mb.old_values, mb.returns, mb.mask)
        entropy = masked_mean(scored.entropy, mb.mask)
        return losses.A2CLoss(actor + vf_coef * critic - ent_coef * entropy, actor, critic, entropy)

    def _process_mean(self, value: torch.Tensor) -> torch.Tensor:
        """A () tensor averaged over processes, so that every process takes the same early stop."""
        if self.accelerator.num_processes == 1:
            return value
        return self.accelerator.reduce(value, reduction="mean")

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
        return grad_norm

    def _token_share(self, mask: torch.Tensor) -> float:
        """Scale for token means so that averaging over processes equals one mean over all tokens."""
        if self.accelerator.num_processes == 1:
            return 1.0
        total = self.accelerator.reduce(mask.sum().float(), reduction="sum")
        return float(mask.sum() * self.accelerator.num_processes / total)

    def _log(self, record: StepRecord) -> dict[str, float]:
        """Append this step's row of metrics, each averaged over processes, and return it."""
        row = step_row(record, self.accelerator, step=self.step_count, critic=self.estimator.uses_critic)
        self.metrics.append(row)
        return row

    def should_stop(self) -> bool:
        """The stopping rule: the mean fraction positive of the last `stop_window` steps reaches stop_positive
        (for the sentiment rewards only: a reward learned from preferences aims at something else)."""
        cfg = self.cfg
        recent = self.metrics[-cfg.stop_window :]
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
        bar = tqdm(range(steps), desc=self.cfg.advantage, disable=not (progress and main))
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
            summary = f"{self.step_count} steps, reward {last['reward']:.2f}{aim} (last batch), KL {last['kl']:.2f}"
            print(f"{self.cfg.advantage}: {summary}")
        return self.metrics

    def evaluate(self, n: int = 2000, *, seed: int = 10_000, batch_size: int = 500) -> dict[str, float]:
        """`evaluate_policy` of this run's policy against its reference model."""
        return evaluate_policy(
            self.policy, self.ref_model, n, seed=seed, max_new_tokens=self.cfg.max_new_tokens, batch_size=batch_size
        )

    def config_dict(self) -> dict:
        return asdict(self.cfg)
