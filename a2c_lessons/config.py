"""A2CConfig: every hyperparameter of an A2C run, in one frozen dataclass.

Place in the data flow: it sets each step of
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`
(the batch, the temperature T, gamma, lambda, the KL weight, the learning rate), and which member of
the policy-gradient family runs: the advantage estimator, the loss aggregation, PPO's epochs and clip.

This module imports no torch, so the command line builds its options from these
fields, and checks every value against `RULES`, before anything heavy loads:
`a2c-lessons train --help` and a mistyped `--lr -1` answer at once.
"""

from __future__ import annotations

import math
import os
import typing
from dataclasses import dataclass, fields
from typing import Literal


def _finite(low: float, high: float = math.inf, *, low_open: bool = False) -> typing.Callable[[float], bool]:
    # nan and inf fail every rule: an lr of inf passes "> 0" but trains the weights into NaN
    return lambda v: math.isfinite(v) and (v > low if low_open else v >= low) and v <= high


def hub_offline() -> bool:
    """Nothing is downloaded unless HF_HUB_OFFLINE is set to 0: the course promises no downloads at run time.

    Read by the command line's checks and by `policy.load_policy` alike, when they run (not at import)."""
    return os.environ.get("HF_HUB_OFFLINE", "1").strip().lower() not in ("0", "false", "no", "off", "")


TASTE_NAMES = ("service", "food", "short")  # the scripted tastes of `preferences.TASTES`
DTYPE_NAMES = ("float32", "bfloat16")  # the precisions of `precision.DTYPES`

# field -> (the test a value must pass, what the error message says is expected)
RULES: dict[str, tuple[typing.Callable[[typing.Any], bool], str]] = {
    "seed": (lambda v: v >= 0, "an integer >= 0"),
    "steps": (lambda v: v >= 1, "an integer >= 1"),
    "batch_size": (lambda v: v >= 1, "an integer >= 1"),
    "max_new_tokens": (lambda v: v >= 1, "an integer >= 1"),
    "temperature": (_finite(0, low_open=True), "a finite number > 0"),
    "lr": (_finite(0, low_open=True), "a finite number > 0"),
    "gamma": (_finite(0, 1), "a number in [0, 1]"),
    "lam": (_finite(0, 1), "a number in [0, 1]"),
    "kl_coef": (_finite(0), "a finite number >= 0"),
    "vf_coef": (_finite(0), "a finite number >= 0"),
    "ent_coef": (_finite(0), "a finite number >= 0"),
    "max_grad_norm": (_finite(0, low_open=True), "a finite number > 0"),
    "stop_positive": (lambda v: v is None or _finite(0, 1, low_open=True)(v), "a number in (0, 1], or none"),
    "stop_window": (lambda v: v >= 1, "an integer >= 1"),
    "taste": (lambda v: v is None or v in TASTE_NAMES, "one of " + ", ".join(TASTE_NAMES) + ", or none"),
    "whiten_advantages": (lambda v: isinstance(v, bool), "True or False"),
    "separate_critic": (lambda v: isinstance(v, bool), "True or False"),
    # the command line checks further that a path exists or a hub id is in the cache (before anything loads)
    "model": (lambda v: v is None or (isinstance(v, str) and v != ""), "a folder or hub id, or none"),
    "reward_model": (lambda v: v is None or (isinstance(v, str) and v != ""), "a folder or hub id, or none"),
    # the policy-gradient family
    "group_size": (lambda v: v >= 2, "an integer >= 2"),
    "ppo_epochs": (lambda v: v >= 1, "an integer >= 1"),
    "minibatches": (lambda v: v >= 1, "an integer >= 1"),
    "clip": (_finite(0, low_open=True), "a finite number > 0"),
    "target_kl": (lambda v: v is None or _finite(0, low_open=True)(v), "a finite number > 0, or none"),
    "value_clip": (lambda v: v is None or _finite(0, low_open=True)(v), "a finite number > 0, or none"),
    "dtype": (lambda v: v in DTYPE_NAMES, "one of " + ", ".join(DTYPE_NAMES)),
}

# the estimators that compare the completions of one prompt with each other, and so need groups of them
GROUP_ESTIMATORS = ("rloo", "grpo", "dr-grpo")
CRITIC_ESTIMATORS = ("gae",)  # the estimators that train a value head


def combination_error(cfg: A2CConfig) -> str | None:
    """What is wrong with a combination of valid fields, naming both options; None when they fit together.

    `cfg`: an A2CConfig, or any object with its fields (the command line checks its options before it builds one)."""
    if cfg.advantage in GROUP_ESTIMATORS and cfg.batch_size % cfg.group_size:
        return (
            f"--batch-size {cfg.batch_size} must be a multiple of --group-size {cfg.group_size} with --advantage "
            f"{cfg.advantage} (the batch is batch_size / group_size prompts times group_size completions)"
        )
    if cfg.target_kl is not None and cfg.ppo_epochs == 1:
        return f"--target-kl {cfg.target_kl} stops PPO's epochs early: it needs --ppo-epochs above 1"
    if cfg.batch_size % cfg.minibatches:
        return f"--batch-size {cfg.batch_size} must be a multiple of --minibatches {cfg.minibatches}"
    if cfg.value_clip is not None and cfg.advantage not in CRITIC_ESTIMATORS:
        return f"--value-clip clips the critic's loss, and --advantage {cfg.advantage} trains no critic"
    return None


class ConfigError(ValueError):
    """A config value that breaks its field's rule; `field` names it (the CLI turns it into --field)."""

    def __init__(self, field: str, value: object, expected: str):
        self.field, self.value, self.expected = field, value, expected
        super().__init__(f"A2CConfig: {field} must be {expected}, got {value!r}")


def check_field(name: str, value: object, hint: object) -> str | None:
    """What field `name` expects when `value` breaks its rule or its Literal choices; None when it is valid."""
    if typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        return None if value in choices else "one of " + ", ".join(map(repr, choices))
    if name not in RULES:  # a new or renamed field must bring its rule: none would silently accept anything
        raise KeyError(f"config field {name!r} has no rule in config.RULES")
    test, expected = RULES[name]
    return None if test(value) else expected


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
    separate_critic: bool = False
    """give the critic its own copy of the backbone instead of sharing the actor's"""
    reward: Literal["exact", "model"] = "exact"
    """'exact' (the grammar's sentiment) or 'model' (the tiny learned reward model)"""
    model: str | None = None
    """hub id or local path of the policy; None is the bundled tiny LM"""
    reward_model: str | None = None
    """folder of a reward model learned from preference pairs (`reward-model --preferences`); replaces `reward`"""
    taste: str | None = None
    """a scripted taste whose share of reviews the run reports before and after (with --reward-model)"""
    # the margin above 90% keeps a fresh 2,000-review estimate above 90% (0.93 left one seed in 4 below)
    stop_positive: float | None = 0.95
    """stop once the fraction positive over the last `stop_window` steps reaches this (None: never; off with a
    --reward-model, whose aim is not sentiment)"""
    stop_window: int = 5
    """steps averaged for the stopping rule (5 x 64 = 320 reviews)"""
    # ---------------------------------------------------------------- the policy-gradient family
    advantage: Literal["gae", "reinforce", "reinforce-baseline", "rloo", "grpo", "dr-grpo"] = "gae"
    """advantage estimator: gae (A2C, trains the critic); reinforce, reinforce-baseline, rloo, grpo, dr-grpo (none)"""
    group_size: int = 4
    """completions per prompt for rloo, grpo and dr-grpo: the batch is batch_size / group_size prompts"""
    loss_agg: Literal["sequence-sum", "token-mean", "sequence-mean", "constant"] = "sequence-sum"
    """how token terms reduce to the loss: sequence-sum (U = sum_t), token-mean, sequence-mean, constant (Dr. GRPO)"""
    ppo_epochs: int = 1
    """passes over each batch (PPO's K); 1 with minibatches 1 is one A2C step"""
    minibatches: int = 1
    """optimiser steps per pass over a batch (PPO's M); the batch size must be a multiple of it"""
    clip: float = 0.2
    """PPO's clip range epsilon on the ratio pi / pi_old (inactive on the first pass, where the ratio is 1)"""
    target_kl: float | None = None
    """stop PPO's epochs once an epoch's approximate KL(pi_old || pi) passes this (None: never)"""
    value_clip: float | None = None
    """clip the critic's values within this of the rollout's V_old (PPO's clipped value loss; None: unclipped)"""

    # precision (a policy handed to A2CTrainer keeps its own)
    dtype: str = "float32"
    """precision of the forward passes of policy, reference and critic: float32, or bfloat16 (bf16 products over
    float32 weights; fast on a CPU with AVX512-BF16 or AMX, or a GPU)"""

    def __post_init__(self):
        hints = typing.get_type_hints(A2CConfig)
        for field in fields(self):
            expected = check_field(field.name, getattr(self, field.name), hints[field.name])
            if expected is not None:
                raise ConfigError(field.name, getattr(self, field.name), expected)
        problem = combination_error(self)
        if problem is not None:
            raise ValueError(f"A2CConfig: {problem}")
