"""A2CConfig: every hyperparameter of an A2C run, in one frozen dataclass.

Place in the data flow: it sets each step of
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`
(the batch, the temperature T, gamma, lambda, the KL weight, the learning rate).

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
    "dtype": (lambda v: v in DTYPE_NAMES, "one of " + ", ".join(DTYPE_NAMES)),
}


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
    test, expected = RULES.get(name, (lambda v: True, ""))
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
    use_baseline: bool = True
    """False drops the critic's baseline: A = discounted returns (lesson 6)"""
    sign_bug: bool = False
    """True minimises +E[U] instead of -E[U] (lesson 4): the model learns what the reward dislikes"""
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
