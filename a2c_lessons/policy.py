"""The policy pi_theta: a causal LM and its tokenizer, on a device.

Place in the data flow: `policy` -> prompts -> sample -> Rollout -> ... ; the actor
of A2C is this model, and log pi_theta(y_t | x, y_<t) comes from its logits.

`load_policy()` loads the tiny LM that ships inside the package (no network);
`load_policy("some/hub-id")` or a local folder loads any causal LM the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

from a2c_lessons import precision
from a2c_lessons.config import hub_offline

# a progress bar for loading 28 tensors is noise in every notebook cell and test log
hf_logging.disable_progress_bar()

TINY_LM_PATH = Path(__file__).parent / "tinylm"


@dataclass
class Policy:
    """A causal LM with its tokenizer. The tokenizer pads on the left, as sampling needs."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device


def default_device() -> torch.device:
    """CUDA when present, otherwise CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _check_safetensors(folder: Path) -> None:
    """Open every safetensors file once, so a corrupted file fails with its name."""
    from safetensors import safe_open

    for file in sorted(folder.glob("*.safetensors")):
        try:
            with safe_open(str(file), framework="pt") as f:
                for key in f.keys():
                    f.get_slice(key)
        except Exception as err:  # safetensors raises several types for a damaged header
            raise ValueError(
                f"model file {file} is corrupted or not a safetensors file ({err}); "
                "restore it, or rebuild the tiny LM with `a2c-lessons pretrain`"
            ) from err


def _resolve(name_or_path: str | os.PathLike | None) -> tuple[str, bool]:
    """Return (what to pass to from_pretrained, whether it is a local folder)."""
    if name_or_path is None:
        return str(TINY_LM_PATH), True
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return str(path), True
    if path.exists() or str(name_or_path).startswith((".", "/", "~")):
        raise ValueError(f"model path {str(name_or_path)!r} is not a folder holding a model")
    return str(name_or_path), False


def load_policy(
    name_or_path: str | os.PathLike | None = None,
    *,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
) -> Policy:
    """Load a causal LM and its tokenizer, in eval mode (dropout off, as RL needs).

    Args:
        name_or_path: None for the bundled tiny LM, a local folder, or a hub id.
        device: where to put the model; default CUDA when present, else CPU.
        dtype: the precision of its sampling and scoring passes, 'float32' (default) or 'bfloat16'; the
            weights stay float32 either way (the master weights Adam updates), see `precision`.
    Returns:
        A `Policy` whose tokenizer pads on the left and has a pad token.
    """
    compute_dtype = precision.as_dtype(dtype)  # a wrong name fails before anything loads
    source, local = _resolve(name_or_path)
    if local:
        _check_safetensors(Path(source))
    # a hub id loads from the local cache only, unless HF_HUB_OFFLINE=0: no download, and no retries before failing
    cache_only = not local and hub_offline()
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=cache_only)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32, local_files_only=cache_only)
    except OSError as err:
        if local:
            where = "the local folder"
        elif cache_only:
            where = (
                "neither a local folder nor in the Hugging Face cache, and nothing is downloaded "
                "(HF_HUB_OFFLINE=1; set HF_HUB_OFFLINE=0 to download it)"
            )
        else:
            where = "neither a local folder nor reachable on the hub"
        raise ValueError(f"could not load model {str(name_or_path)!r}: it is {where} ({err})") from err
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:  # hub LMs often have none; the EOS stands in, masked by `mask`
        tokenizer.pad_token = tokenizer.eos_token
    model = model.eval().to(device or default_device())
    precision.set_compute_dtype(model, compute_dtype)
    return Policy(model, tokenizer)
