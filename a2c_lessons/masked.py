"""Masked reductions over (batch, time) tensors, and the shape check every public function uses.

Place in the data flow: every step after `sample` reduces over tokens, and every
such reduction goes through here, so padding never leaks into a mean:

    masked_mean(x, mask) = sum_{b,t} x[b,t] * mask[b,t] / sum_{b,t} mask[b,t]
"""

from __future__ import annotations

import torch


def check_shape(tensor: torch.Tensor, shape: tuple[int, ...], name: str) -> None:
    """Raise ValueError naming `name` unless `tensor` has exactly `shape`."""
    if not isinstance(tensor, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
    if tuple(tensor.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(tensor.shape)}")


def check_mask(mask: torch.Tensor, *others: tuple[torch.Tensor, str]) -> None:
    """Check a (batch, time) bool mask, and that each (tensor, name) has its shape."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool or mask.dim() != 2:
        got = f"{mask.dtype} of shape {tuple(mask.shape)}" if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise ValueError(f"mask must be a (batch, time) bool tensor, got {got}")
    for tensor, name in others:
        check_shape(tensor, tuple(mask.shape), name)


def _mask_count(mask: torch.Tensor, dim: int | None) -> torch.Tensor:
    count = mask.sum() if dim is None else mask.sum(dim=dim)
    if bool((count == 0).any()):
        where = "mask" if dim is None else f"a row of mask (along dim {dim})"
        raise ValueError(f"{where} has no True entry: a masked mean over nothing is undefined")
    return count


def masked_sum(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Sum of x where mask is True (over all entries, or along `dim`)."""
    check_mask(mask, (x, "x"))
    # where(), not x * mask: a NaN or inf under a False entry must not leak into the sum
    kept = torch.where(mask, x, torch.zeros((), dtype=x.dtype, device=x.device))
    return kept.sum() if dim is None else kept.sum(dim=dim)


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Mean of x over entries where mask is True; ValueError if there are none."""
    return masked_sum(x, mask, dim) / _mask_count(mask, dim)


def masked_var(x: torch.Tensor, mask: torch.Tensor, *, unbiased: bool = True) -> torch.Tensor:
    """Variance of x over entries where mask is True (Bessel-corrected by default)."""
    count = _mask_count(mask, None)
    if unbiased and int(count) < 2:
        raise ValueError("mask has fewer than 2 True entries: an unbiased variance needs 2")
    centred = x - masked_mean(x, mask)
    var = masked_sum(centred**2, mask) / count
    return var * count / (count - 1) if unbiased else var
