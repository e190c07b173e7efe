"""Masked reductions over (batch, time) tensors, and the checks every public function runs at entry.

Place in the data flow: every step after `sample` reduces over tokens, and every
such reduction goes through here, so padding never leaks into a mean:

    masked_mean(x, mask) = sum_{b,t} x[b,t] * mask[b,t] / sum_{b,t} mask[b,t]

The checks live here too, so that the formula modules (`advantages`, `losses`) open on
their formulas: shapes, masks, "finite where the mask is True", coefficients. Each
raises ValueError with a message that names the argument.
"""

from __future__ import annotations

import math

import torch

# ---------------------------------------------------------------- checks


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


def check_same_shape(tensor: torch.Tensor, like: torch.Tensor, name: str, like_name: str) -> None:
    """Raise unless `like` is a (batch, time) tensor and `tensor` has its shape."""
    if not isinstance(like, torch.Tensor) or like.dim() != 2:
        got = tuple(like.shape) if isinstance(like, torch.Tensor) else type(like).__name__
        raise ValueError(f"{like_name} must be a (batch, time) tensor, got {got}")
    check_shape(tensor, tuple(like.shape), name)


def check_response_mask(mask: torch.Tensor, *others: tuple[torch.Tensor, str]) -> None:
    """check_mask, plus: every row has a real token, and its real tokens are a prefix (left-aligned)."""
    check_mask(mask, *others)
    lengths = mask.sum(dim=1)  # (B,)
    if bool((lengths == 0).any()):
        raise ValueError("mask has a row with no True entry: every response needs at least one token")
    positions = torch.arange(mask.shape[1], device=mask.device)  # (T,)
    if not torch.equal(mask, positions < lengths.unsqueeze(1)):
        raise ValueError("mask must be True on a prefix of each row (left-aligned responses, padding after EOS)")


def check_finite(x: torch.Tensor, name: str, mask: torch.Tensor | None = None) -> None:
    """Raise naming `name` if x has a NaN or inf (only where mask is True, if given)."""
    finite = torch.isfinite(x) if mask is None else torch.isfinite(x) | ~mask
    if not bool(finite.all()):
        where = "" if mask is None else " where mask is True"
        raise ValueError(f"{name} must be finite{where}; it has NaN or inf")


def check_vocab_logprobs(logprobs_full: torch.Tensor, name: str) -> None:
    """A (batch, time, vocab) tensor of log-probabilities: no NaN and no +inf (-inf, probability 0, is fine)."""
    if not isinstance(logprobs_full, torch.Tensor) or logprobs_full.dim() != 3:
        got = tuple(logprobs_full.shape) if isinstance(logprobs_full, torch.Tensor) else type(logprobs_full).__name__
        raise ValueError(f"{name} must be a (batch, time, vocab) tensor, got {got}")
    if bool((torch.isnan(logprobs_full) | (logprobs_full == math.inf)).any()):
        raise ValueError(f"{name} must not hold NaN or +inf (-inf, probability 0, is fine)")


def check_token_inputs(mask: torch.Tensor, **tensors: torch.Tensor) -> None:
    """Each named tensor has mask's shape and is finite where mask is True; mask has a True entry."""
    check_mask(mask, *((tensor, name) for name, tensor in tensors.items()))
    # one device-to-host read for all of them (each bool() waits for a GPU); on failure, find which one
    passed = [mask.any()] + [(torch.isfinite(tensor) | ~mask).all() for tensor in tensors.values()]
    if bool(torch.stack(passed).all()):
        return
    if not bool(mask.any()):
        raise ValueError("mask has no True entry: there is no token to take a loss over")
    for name, tensor in tensors.items():
        check_finite(tensor, name, mask)


def check_coef(value: float, name: str) -> None:
    """Raise unless a weight or clip range is finite and >= 0."""
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be finite and >= 0, got {value}")


def check_unit_interval(value: float, name: str) -> None:
    """Raise unless value is in [0, 1] (a discount, a lambda)."""
    if not 0.0 <= value <= 1.0:  # also False for NaN
        raise ValueError(f"{name} must be in [0, 1], got {value}")


# ---------------------------------------------------------------- masked tensors and reductions


def zero_masked(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """x with exactly 0 where mask is False."""
    # where(), not x * mask: a NaN or inf under a False entry must not survive as NaN * 0
    return torch.where(mask, x, torch.zeros((), dtype=x.dtype, device=x.device))


def masked_input(x: torch.Tensor, mask: torch.Tensor, name: str) -> torch.Tensor:
    """x checked finite where mask is True, with pad entries set to exactly 0 (so they add nothing)."""
    check_finite(x, name, mask)
    return zero_masked(x, mask)


def _mask_count(mask: torch.Tensor, dim: int | None) -> torch.Tensor:
    count = mask.sum() if dim is None else mask.sum(dim=dim)
    if bool((count == 0).any()):
        where = "mask" if dim is None else f"a row of mask (along dim {dim})"
        raise ValueError(f"{where} has no True entry: a masked mean over nothing is undefined")
    return count


def masked_sum(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Sum of x where mask is True (over all entries, or along `dim`)."""
    check_mask(mask, (x, "x"))
    kept = zero_masked(x, mask)
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
