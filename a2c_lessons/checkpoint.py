"""Checkpoints of an A2C run: save, and resume exactly where it stopped.

Place in the data flow: after `step` (the end of the line), so that a run can stop
and go on: a resumed run draws the same prompts and samples and takes the same
steps as one that never stopped, because the checkpoint holds every piece of
state a step reads: weights, value head, optimiser moments, step count, RNG state.

Writes are atomic (a temporary file in the same folder, then a rename), so a save
cut short never destroys the previous checkpoint. Two hashes guard a resume: one of
the weights saved (a damaged file is refused), one of the reference model pi_ref the
run started from (a different model of the same shape would silently change the KL term).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

FORMAT = 1
# config entries that name where a model came from, not what it is
_IDENTITY_IGNORES = {"_name_or_path", "transformers_version", "name_or_path", "dtype", "torch_dtype", "architectures"}


def model_identity(model) -> dict:
    """The parts of a model's config that a checkpoint's weights depend on."""
    return {k: v for k, v in model.config.to_dict().items() if k not in _IDENTITY_IGNORES}


def weights_sha256(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 of a state dict: every tensor's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())  # any dtype, bf16 included
    return digest.hexdigest()


def save_checkpoint(trainer, path: str | os.PathLike) -> Path:
    """Write the trainer's full state to `path` atomically; return the path."""
    path = Path(path)
    unwrapped = trainer.accelerator.unwrap_model(trainer.actor_critic)
    weights = unwrapped.state_dict()
    state = {
        "format": FORMAT,
        "config": trainer.config_dict(),
        "model_identity": model_identity(unwrapped.actor),
        "actor_critic": weights,
        "optimizer": trainer.optimizer.state_dict(),
        "step": trainer.step_count,
        "generator": trainer.generator.get_state(),
        "metrics": trainer.metrics,
        "weights_sha256": weights_sha256(weights),
        "ref_sha256": weights_sha256(trainer.ref_model.state_dict()),
    }
    if trainer.accelerator.is_main_process:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())  # the rename must not reach the disk before the data
        os.replace(tmp, path)  # atomic on POSIX: the old file stays whole until this line
    trainer.accelerator.wait_for_everyone()
    return path


def read_checkpoint(path: str | os.PathLike) -> dict:
    """The saved state of a run; ValueError, in one line, if it is missing, damaged or not a checkpoint."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint {path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise ValueError(f"checkpoint {path} is empty (a save was cut short); start the run again with --overwrite")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types, with long messages, for a truncated or foreign file
        raise ValueError(
            f"checkpoint {path} is damaged or not an a2c-lessons checkpoint ({type(err).__name__}); "
            "start the run again with --overwrite"
        ) from err
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"checkpoint {path} is not an a2c-lessons checkpoint of format {FORMAT}")
    if "weights_sha256" in state and weights_sha256(state["actor_critic"]) != state["weights_sha256"]:
        raise ValueError(f"checkpoint {path} is damaged: its weights do not match their saved hash")
    return state


def restore_checkpoint(trainer, state: dict, source: str = "the checkpoint") -> None:
    """Put a trainer (built from the run's config) in the saved state; ValueError if it has another model.

    The optimiser's learning rate is the trainer's config's, not the saved one: a resume that
    changes --lr (with --override) must change the step size too, not only the record."""
    unwrapped = trainer.accelerator.unwrap_model(trainer.actor_critic)
    saved, current = state["model_identity"], model_identity(unwrapped.actor)
    if saved != current:
        differ = sorted(k for k in saved if saved[k] != current.get(k))
        raise ValueError(
            f"{source} was made for a different model (config differs in {differ[:5]}); "
            "load the model it was trained from, or start a new run"
        )
    ref_hash = weights_sha256(trainer.ref_model.state_dict())
    if "ref_sha256" in state and state["ref_sha256"] != ref_hash:
        raise ValueError(
            f"{source} was trained from other weights than the model loaded now (sha256 {state['ref_sha256'][:12]} "
            f"then, {ref_hash[:12]} now), which would change the KL reference; point --model at the weights "
            "the run started from, or start a new run"
        )
    unwrapped.load_state_dict(state["actor_critic"])
    trainer.optimizer.load_state_dict(state["optimizer"])
    for group in trainer.optimizer.param_groups:
        group["lr"] = trainer.cfg.lr
    trainer.step_count, trainer.metrics = state["step"], list(state["metrics"])
    trainer.generator.set_state(state["generator"])


def load_checkpoint(trainer, path: str | os.PathLike) -> None:
    """Restore a trainer's state from `path`; ValueError if it is damaged or from another model."""
    restore_checkpoint(trainer, read_checkpoint(path), source=f"checkpoint {Path(path)}")
