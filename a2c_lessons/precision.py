"""The precision of the forward passes: float32, or bfloat16 matrix products over float32 weights.

Place in the data flow: it sets how `prompts -> sample -> Rollout -> score` compute; the
rest of the line (log pi_T, advantages, the loss's reductions, Adam's state) stays float32.

A model's weights stay float32 (the master weights Adam updates). With bfloat16 the
sampler and the scoring passes run under autocast: the matrix products (the linear maps,
attention) read bf16 copies of the weights and activations, while the residual stream
and the layer norms stay float32, and in GPT-2's fast paths (`fastpath`) the final logits
too, so log pi_T is computed in float32 from float32 logits (a model's own forward under
autocast returns bf16 logits, which the library turns to float32 before log pi_T).
The sampler and every scoring pass of a model run at the same precision, so a rollout
scored with the weights that sampled it has pi_new / pi_old = 1 up to the rounding of
bf16 products (`ratio_tolerance`).

The precision travels with the model (`set_compute_dtype`), so the reference model and a
separate critic, copied from the policy, compute as it does.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Iterator

import torch

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
_ATTRIBUTE = "a2c_compute_dtype"  # an attribute of the model, so copy.deepcopy carries it to pi_ref and the critic
# pi_new / pi_old - 1 allowed when the same weights sampled and scored: float32 agrees to ~1e-6 (tests hold 1e-5).
# In bf16, products round to 8 bits and the sampler (one token at a time) and a scoring pass (the whole sequence)
# round differently: GPT-2's fast paths, whose logits are float32, agree to ~1e-4 per token and ~2e-2 at most on
# a batch (tests hold 5e-2), up to 6.2e-2 over the 101 steps of a course run; a model's own forward under autocast
# rounds its logits to bf16 too (tests hold 0.1). 0.25 leaves a margin and still catches a wrong temperature.
_RATIO_TOLERANCE = {torch.float32: 1e-4, torch.bfloat16: 0.25}


def as_dtype(dtype: str | torch.dtype | None) -> torch.dtype:
    """torch.float32 or torch.bfloat16 from a name ('float32', 'bfloat16'), a torch dtype, or None (float32)."""
    if dtype is None:
        return torch.float32
    found = DTYPES.get(dtype) if isinstance(dtype, str) else dtype
    if found not in DTYPES.values():
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return found


def set_compute_dtype(model: torch.nn.Module, dtype: str | torch.dtype | None) -> None:
    """Make `model`'s sampling and scoring passes compute in `dtype` (its weights stay as they are)."""
    resolved = as_dtype(dtype)
    if resolved == torch.bfloat16:
        warn_if_emulated(next(model.parameters()).device)
    setattr(model, _ATTRIBUTE, resolved)


def compute_dtype(model: torch.nn.Module) -> torch.dtype:
    """The precision `model`'s forward passes run at: float32 unless `set_compute_dtype` said otherwise."""
    return getattr(model, _ATTRIBUTE, torch.float32)


def check_compute_dtype(model: torch.nn.Module, dtype: str | torch.dtype | None) -> None:
    """Raise ValueError when `model` computes at another precision than `dtype`, a config's: the run would
    train at the model's precision while its saved config said otherwise."""
    found, wanted = compute_dtype(model), as_dtype(dtype)
    if found != wanted:
        have, want = (str(d).removeprefix("torch.") for d in (found, wanted))
        raise ValueError(
            f"A2CConfig.dtype is {want!r} but the policy given computes in {have!r}: "
            f"load it with load_policy(dtype={want!r}), or set dtype={have!r}"
        )


def ratio_tolerance(dtype: torch.dtype) -> float:
    """How far off 1 pi_new / pi_old may be when the same weights sampled and scored at `dtype`."""
    return _RATIO_TOLERANCE[dtype]


@contextlib.contextmanager
def autocast(model: torch.nn.Module) -> Iterator[None]:
    """Run the block at `model`'s compute dtype: nothing changes for float32, autocast for bfloat16."""
    dtype = compute_dtype(model)
    if dtype == torch.float32:
        yield
        return
    device = next(model.parameters()).device
    with torch.autocast(device.type, dtype=dtype):
        yield


@contextlib.contextmanager
def full_precision(device: torch.device) -> Iterator[None]:
    """Turn autocast off for the block: the logits, from which log pi_T comes, are computed in float32."""
    with torch.autocast(device.type, enabled=False):
        yield


def bf16_is_native(device: torch.device) -> bool:
    """Whether bf16 products run in hardware: AVX512-BF16 or AMX on a CPU (torch's own query), any
    CUDA device torch says supports bf16."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    capabilities = torch.cpu.get_capabilities()
    return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))


@functools.cache  # one line per process and device type, however many models are loaded
def warn_if_emulated(device: torch.device) -> None:
    """Say in one line when bf16 is asked for on hardware that emulates it, many times slower than float32."""
    if not bf16_is_native(device):
        print(
            f"dtype bfloat16: this {device.type.upper()} has no bf16 arithmetic (no AVX512-BF16 or AMX), so torch "
            "emulates it, many times slower than float32 (use --dtype float32 here)",
            file=sys.stderr,
        )
