"""TRL glue: the course's tiny LM, prompts and exact reward in the shapes TRL's trainers take.

Place in the data flow: beside our line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`, TRL runs its own,

    prompts -> generate -> reward_funcs -> group baseline -> clipped loss -> step

and this module hands it our pieces unchanged: the prompt set D as a dataset, and
the exact reward r(x, y) as a TRL reward function. TRL passes the prompt x and the
completion y separately; the review the grammar judges is the two joined, as in
`Rollout.reviews`:

    r(x, y) = exact_reward(x + " " + y)   (+1 positive, 0 negative, -1 outside the grammar)

What GRPO's group baseline replaces is the critic: for G completions of one prompt,
A_i = (r_i - mean_j r_j) / std_j r_j, with no V(x, y_<t) at all.

`trl` (and `datasets`) are optional: they are imported inside the functions that need
them, so importing this module, or any other module of the package, never needs them.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Literal

from a2c_lessons import threads
from a2c_lessons.corpus import PROMPTS
from a2c_lessons.padding import position_ids
from a2c_lessons.rewards import exact_reward

TRL_MISSING = "TRL is not installed: `pip install -e .[trl]` (TRL 1.16) runs the TRL comparison"


def trl_available() -> bool:
    """True when `trl` can be imported (the optional `trl` extra is installed)."""
    import importlib.util

    return importlib.util.find_spec("trl") is not None


def review_texts(prompts: list[str], completions: list[str]) -> list[str]:
    """The B full reviews x + " " + y, joined exactly as `Rollout.reviews` joins them."""
    if len(prompts) != len(completions):
        raise ValueError(f"{len(prompts)} prompts but {len(completions)} completions")
    return [f"{p} {c.strip()}".strip() for p, c in zip(prompts, completions)]


def exact_reward_func(prompts: list[str], completions: list[str], **kwargs: Any) -> list[float]:
    """TRL reward function: one float per completion, the exact reward of prompt + completion.

    TRL calls it as `f(prompts=..., completions=..., completion_ids=..., trainer_state=..., ...)`;
    everything but the two texts is ignored.
    """
    return exact_reward(review_texts(list(prompts), list(completions))).tolist()


def prompt_dataset(prompts: tuple[str, ...] = PROMPTS, *, repeats: int = 64):
    """The prompt set D as a `datasets.Dataset` with one column, "prompt".

    The prompts are plain text: TRL tokenizes them with special tokens, and our tokenizer's
    post-processor puts the one <bos> in front. Writing "<bos>" into a prompt would double it.
    `repeats` copies of D make an epoch long, so TRL's dataloader is not rebuilt every 2 steps.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    bad = [p for p in prompts if "<bos>" in p or "<eos>" in p or "<pad>" in p]
    if bad:
        raise ValueError(f"prompts must be plain text without special tokens, got {bad[0]!r}")
    from datasets import Dataset

    return Dataset.from_dict({"prompt": list(prompts) * repeats})


def fix_position_ids(model):
    """Make a GPT-2's forward count positions over real tokens when no position ids are passed.

    TRL 1.16 scores completions with `model(input_ids, attention_mask)` and no position ids,
    on left-padded prompts. GPT-2 then numbers positions 0, 1, ... from the first pad, while
    `generate` numbered them from the first real token: the loss sees other positions than
    sampling did (the same gap as huggingface/trl#6800; harmless for RoPE models, not for
    GPT-2's absolute positions). This wraps the backbone's forward so that a missing
    `position_ids` becomes the running count of real tokens, as `padding.position_ids` gives.
    Calls that pass position ids (generate, our sampler) are unchanged. Returns the model.
    """
    backbone = model.base_model
    if getattr(backbone, "_a2c_position_fix", False):
        return model
    original = backbone.forward

    @functools.wraps(original)
    def forward(*args, **kwargs):
        input_ids = kwargs.get("input_ids", args[0] if args else None)
        mask = kwargs.get("attention_mask")
        # only a whole sequence (mask as long as the input), never one cached decoding step
        whole = input_ids is not None and mask is not None and mask.dim() == 2 and mask.shape == input_ids.shape
        if kwargs.get("position_ids") is None and whole:
            kwargs["position_ids"] = position_ids(mask)
        return original(*args, **kwargs)

    backbone.forward = forward
    backbone._a2c_position_fix = True
    return model


@dataclass(frozen=True)
class TRLSettings:
    """A TRL run of the course's task, with the same budget as our A2C run."""

    method: Literal["grpo", "rloo"] = "grpo"
    """which TRL trainer: GRPOTrainer or RLOOTrainer"""
    lr: float = 3e-4
    """constant learning rate, no warm-up (TRL's default is 1e-6, decaying linearly)"""
    seed: int = 0
    """seeds TRL's RNG (prompt order and sampling)"""
    batch_size: int = 64
    """completions per optimiser step (as our A2C's batch_size)"""
    group_size: int = 8
    """completions per prompt: the group a baseline is taken over (TRL's num_generations)"""
    max_new_tokens: int = 24
    """longest completion (TRL's max_completion_length; its default is 512)"""
    beta: float = 0.05
    """KL coefficient (GRPO's default 0.0 means no KL and no reference model)"""
    max_steps: int = 300
    """step cap: a run that never reaches the target stops here"""
    fix_positions: bool = True
    """count GPT-2 position ids over real tokens in TRL's scoring forward (see `fix_position_ids`)"""
    output_dir: str | None = None
    """folder TRL's Trainer insists on; nothing is saved there (None: a temporary folder)"""

    def __post_init__(self):
        checks = [
            (self.method in ("grpo", "rloo"), f"method must be 'grpo' or 'rloo', got {self.method!r}"),
            (self.lr > 0, "lr must be > 0"),
            (self.beta >= 0, "beta must be >= 0"),
            (self.group_size >= 2, "group_size must be >= 2 (a group baseline needs two completions)"),
            (self.batch_size % self.group_size == 0, "batch_size must be a multiple of group_size"),
            (self.max_new_tokens >= 1, "max_new_tokens must be >= 1"),
            (self.max_steps >= 1, "max_steps must be >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"TRLSettings: {message}")


def trl_overrides(settings: TRLSettings) -> dict[str, Any]:
    """The TRL config fields we set, each where TRL's default does not fit this task (printed by the benchmark)."""
    import torch
    from transformers import TrainingArguments

    # transformers 5.2x renamed gradient_checkpointing to activation_checkpointing; TRL 1.16 still defaults the
    # old name to True, so only the new name turns it off without a deprecation warning
    new_name = hasattr(TrainingArguments, "activation_checkpointing")
    checkpointing = "activation_checkpointing" if new_name else "gradient_checkpointing"
    return {
        "learning_rate": settings.lr,  # TRL: 1e-6
        "lr_scheduler_type": "constant",  # TRL: linear decay to 0 over max_steps, which would depend on the cap
        "warmup_steps": 0,  # ours has no warm-up
        "beta": settings.beta,  # GRPO: 0.0 (no KL term at all); RLOO: 0.05
        "num_generations": settings.group_size,  # GRPO: 8; RLOO: 2
        "per_device_train_batch_size": settings.batch_size,  # completions, not prompts: 64 = 8 prompts x 8
        "gradient_accumulation_steps": 1,  # one optimiser step per batch of 64, as ours
        "max_completion_length": settings.max_new_tokens,  # TRL: 512
        "temperature": 1.0,  # the model's full distribution: T = 1 ...
        "top_k": 0,  # ... no top-k (0 disables it) ...
        "top_p": 1.0,  # ... and no nucleus truncation, as our sampler
        "bf16": False,  # TRL: True unless fp16, i.e. bf16 autocast even on a CPU; our tiny LM runs in float32
        checkpointing: False,  # TRL: True, which recomputes a 0.4M-parameter model for no memory gain
        "disable_dropout": True,  # TRL: False; the tiny LM has no dropout, but RL must not have any
        "max_grad_norm": 1.0,  # as ours (also TRL's default)
        "max_steps": settings.max_steps,
        "seed": settings.seed,
        "report_to": "none",  # no wandb / tensorboard
        "logging_strategy": "no",  # the benchmark's own evaluator measures progress
        "save_strategy": "no",  # no checkpoints
        "disable_tqdm": True,
        "dataloader_pin_memory": torch.cuda.is_available(),  # pinning is for copies to a GPU
        "use_cpu": not torch.cuda.is_available(),
    }


def make_trl_trainer(settings: TRLSettings, policy, callbacks: list | None = None):
    """A GRPOTrainer or RLOOTrainer on `policy` (trained in place) with the exact reward.

    Args:
        settings: the run; `trl_overrides(settings)` gives the TRL config fields it sets.
        policy: `a2c_lessons.policy.Policy`; its model and tokenizer go to TRL as they are.
        callbacks: transformers `TrainerCallback`s (the benchmark's evaluator is one).
    Raises:
        ImportError with install instructions when trl is missing.
    """
    if not trl_available():
        raise ImportError(TRL_MISSING)
    import trl

    if settings.fix_positions:
        fix_position_ids(policy.model)
    config_cls, trainer_cls = {
        "grpo": (trl.GRPOConfig, trl.GRPOTrainer),
        "rloo": (trl.RLOOConfig, trl.RLOOTrainer),
    }[settings.method]
    output_dir = settings.output_dir or os.path.join(tempfile.gettempdir(), f"a2c-lessons-trl-{settings.method}")
    args = config_cls(output_dir=output_dir, **trl_overrides(settings))
    trainer = trainer_cls(
        model=policy.model,
        reward_funcs=exact_reward_func,
        args=args,
        train_dataset=prompt_dataset(),
        processing_class=policy.tokenizer,
        callbacks=callbacks,
    )
    return train_on_chosen_threads(trainer, policy.model)


def train_on_chosen_threads(trainer, model):
    """Make `trainer.train()` run on the CPU threads `threads.for_model(model)` picks, as our A2C steps do
    (one for the tiny LM), and give torch's setting back after it. Returns the trainer."""
    train = trainer.train

    @functools.wraps(train)
    def train_with_threads(*args, **kwargs):
        with threads.for_model(model):
            return train(*args, **kwargs)

    trainer.train = train_with_threads
    return trainer
