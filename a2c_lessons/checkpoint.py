"""Checkpoints of an A2C run: save, and resume exactly where it stopped.

Place in the data flow: after `step` (the end of the line), so that a run can stop
and go on: a resumed run draws the same prompts and samples and takes the same
steps as one that never stopped, because the checkpoint holds every piece of
state a step reads: weights, value head, optimiser moments, step count, RNG state.

Writes are atomic (a temporary file in the same folder, then a rename), so a save
cut short never destroys the previous checkpoint.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

FORMAT = 1
# config entries that name where a model came from, not what it is
_IDENTITY_IGNORES = {"_name_or_path", "transformers_version", "name_or_path", "dtype", "torch_dtype", "architectures"}


def model_identity(model) -> dict:
    """The parts of a model's config that a checkpoint's weights depend on."""
    return {k: v for k, v in model.config.to_dict().items() if k not in _IDENTITY_IGNORES}


def save_checkpoint(trainer, path: str | os.PathLike) -> Path:
    """Write the trainer's full state to `path` atomically; return the path."""
    path = Path(path)
    unwrapped = trainer.accelerator.unwrap_model(trainer.actor_critic)
    state = {
        "format": FORMAT, "config": trainer.config_dict(), "model_identity": model_identity(unwrapped.actor),
        "actor_critic": unwrapped.state_dict(), "optimizer": trainer.optimizer.state_dict(),
        "step": trainer.step_count, "generator": trainer.generator.get_state(), "metrics": trainer.metrics,
    }  # fmt: skip
    if trainer.accelerator.is_main_process:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)  # atomic on POSIX: the old file stays whole until this line
    trainer.accelerator.wait_for_everyone()
    return path


def load_checkpoint(trainer, path: str | os.PathLike) -> None:
    """Restore a trainer's state from `path`; ValueError if it is damaged or from another model."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {str(path)!r} does not exist or is not a file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for a truncated or foreign file
        raise ValueError(f"checkpoint {str(path)!r} is corrupted or not an a2c-lessons checkpoint ({err})") from err
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"checkpoint {str(path)!r} is not an a2c-lessons checkpoint of format {FORMAT}")
    unwrapped = trainer.accelerator.unwrap_model(trainer.actor_critic)
    saved, current = state["model_identity"], model_identity(unwrapped.actor)
    if saved != current:
        differ = sorted(k for k in saved if saved[k] != current.get(k))
        raise ValueError(
            f"checkpoint {str(path)!r} was made for a different model (config differs in {differ[:5]}); "
            "load the model it was trained from, or start a new run"
        )
    unwrapped.load_state_dict(state["actor_critic"])
    trainer.optimizer.load_state_dict(state["optimizer"])
    trainer.step_count, trainer.metrics = state["step"], list(state["metrics"])
    trainer.generator.set_state(state["generator"])
