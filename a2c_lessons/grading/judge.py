"""Judging a value a student's function returned: a concept answer in canonical form, or a tensor against the library.

Concept answers (`as_letter`, `as_bool`, `as_number`, ...) come back in one canonical
form, or the test fails with a message that says what shape of answer was expected.
Tensors (`expect_tensor`, `expect_close`) are checked for type, shape, dtype and
finiteness, then compared with the library; a wrong answer is worth more than
"mismatch": the grader computes a few known-wrong versions of the formula (sign
flipped, mask ignored, off by one, ...) on the same inputs, and if the student's
output equals one of them, the failure says which.

Types are checked exactly (`type(x) is str`, `type(x) is torch.Tensor`): the values
arrive from the runner as plain data, and a subclass with a lying `__eq__` never
gets this far.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from a2c_lessons.grading import mistakes
from a2c_lessons.grading.points import fail

PADS_NOT_ZERO = mistakes.Mistake("pads_not_zero", "right on the real tokens, but pad entries (mask False) must be 0")

# ---------------------------------------------------------------- concept answers


def as_letter(value: Any, options: str, what: str) -> str:
    """A single option letter, e.g. 'b' (case and surrounding spaces do not matter)."""
    letter = value.strip().strip("().").lower() if type(value) is str else None
    if letter is None or len(letter) != 1 or letter not in options:
        fail(
            f'{what} must return one letter from {", ".join(options)} as a string, like "{options[0]}"; got {value!r}.'
        )
    return letter


def as_letter_list(value: Any, options: str, what: str) -> list[str]:
    """Every option letter exactly once, in the order given."""
    if type(value) not in (list, tuple):
        fail(f"{what} must return a list of letters, like {list(options)}; got {type(value).__name__}.")
    letters = [as_letter(v, options, what) for v in value]
    if sorted(letters) != sorted(options):
        fail(f"{what} must list each of {', '.join(options)} exactly once; got {letters}.")
    return letters


def as_letter_set(value: Any, options: str, what: str) -> set[str]:
    """A set of distinct option letters (a set, list or tuple)."""
    if type(value) not in (set, frozenset, list, tuple):
        fail(f'{what} must return a set of letters, like {{"{options[0]}"}}; got {type(value).__name__}.')
    return {as_letter(v, options, what) for v in value}


def as_choice(value: Any, choices: tuple[str, ...], what: str) -> str:
    """One of the given words, e.g. 'bonus' (case and surrounding spaces do not matter)."""
    word = value.strip().lower() if type(value) is str else None
    if word not in choices:
        fail(f"{what} must return one of {', '.join(repr(c) for c in choices)}; got {value!r}.")
    return word


def as_bool(value: Any, what: str) -> bool:
    """A real bool: the string "False" is truthy, so it is refused rather than guessed at."""
    if type(value) is not bool:
        fail(f"{what} must return True or False (a bool); got {value!r}.")
    return value


def as_number(value: Any, what: str) -> float:
    """A finite float from an int, a float or a one-element tensor."""
    if type(value) not in (int, float) and not (type(value) is torch.Tensor and value.numel() == 1):
        fail(f"{what} must return a number; got {type(value).__name__}.")
    number = float(value)
    if not math.isfinite(number):
        fail(f"{what} returned {number}, expected a finite number.")
    return number


def number_text(value: float) -> str:
    """The canonical text of a numeric answer: two decimals, no negative zero."""
    return f"{round(value, 2) + 0.0:.2f}"


def as_letter_map(value: Any, keys: tuple[str, ...], options: str, what: str) -> dict[str, str]:
    """A dict with exactly `keys`, each mapped to one option letter."""
    if type(value) is not dict or set(value) != set(keys):
        got = sorted(map(str, value)) if type(value) is dict else type(value).__name__
        fail(f"{what} must return a dict with the keys {list(keys)}; got {got}.")
    return {k: as_letter(value[k], options, f"{what}[{k!r}]") for k in keys}


# ---------------------------------------------------------------- tensors


def _shape_text(shape: tuple[int, ...]) -> str:
    return "a scalar, shape ()" if shape == () else f"shape {tuple(shape)}"


def expect_tensor(
    out: Any, fn: str, shape: tuple[int, ...], *, hints: dict[tuple[int, ...], str] | None = None, integer: bool = False
) -> torch.Tensor:
    """`out` as a finite tensor of `shape`, or fail saying what came back instead.

    Args:
        out: what the student's function returned.
        fn: its name, for the message.
        shape: the shape the library returns for these inputs.
        hints: shape -> the likely mistake behind returning that shape.
        integer: expect integer values (token ids, directions) rather than floats.
    """
    if type(out) is not torch.Tensor:  # exact: a subclass could lie in every comparison below
        fail(f"{fn} returned {type(out).__name__}, expected a torch.Tensor with {_shape_text(shape)}.")
    if tuple(out.shape) != tuple(shape):
        hint = (hints or {}).get(tuple(out.shape), "")
        if hint:
            mistakes.note(hint, kind="shape")
        fail(f"{fn} returned {_shape_text(tuple(out.shape))}, expected {_shape_text(shape)}. {hint}".strip())
    if out.is_complex() or out.dtype == torch.bool:
        fail(f"{fn} returned a {out.dtype} tensor, expected {'integers' if integer else 'real numbers'}.")
    if not integer and not out.is_floating_point():
        fail(f"{fn} returned a {out.dtype} tensor, expected floats (an integer dtype drops the fractions).")
    if out.is_floating_point() and not bool(torch.isfinite(out).all()):
        bad = tuple(int(i) for i in torch.nonzero(~torch.isfinite(out))[0]) if out.dim() else ()
        fail(f"{fn} returned {float(out[bad]) if bad else float(out)} at index {bad}: NaN or inf, expected a number.")
    return out


def close(a: torch.Tensor, b: torch.Tensor, *, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """Same shape and equal within tolerance (in float64, so a float32 answer is fine)."""
    return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), atol=atol, rtol=rtol))


def _first_difference(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str:
    if got.dim() == 0:
        return f"got {float(got):.6g}, expected {float(expected):.6g}"
    off = ~torch.isclose(got.double(), expected.double(), atol=atol, rtol=rtol)
    index = tuple(int(i) for i in torch.nonzero(off)[0])
    return f"first difference at index {index}: got {float(got[index]):.6g}, expected {float(expected[index]):.6g}"


def expect_close(
    got: torch.Tensor,
    expected: torch.Tensor,
    fn: str,
    case: str,
    *,
    wrong: dict[str, torch.Tensor] | None = None,
    mask: torch.Tensor | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> None:
    """Pass if `got` matches the library's `expected`; else fail naming the known mistake `got` matches.

    Args:
        got, expected: the student's output and the library's, same shape.
        fn: the function's name; case: the inputs in words ("a batch of 4 responses of lengths ...").
        wrong: message -> the output of a known-wrong version on the same inputs; the first match names the bug.
        mask: for a (batch, time) output, True on real tokens: an output right there but not 0 on pads says so.
    """
    got, expected = got.detach(), expected.detach()
    if close(got, expected, atol=atol, rtol=rtol):
        return
    for message, wrong_output in (wrong or {}).items():
        wrong_output = wrong_output.detach()
        if not close(wrong_output, expected, atol=atol, rtol=rtol) and close(got, wrong_output, atol=atol, rtol=rtol):
            mistakes.note(message)
            fail(f"{fn} on {case}: {message}")
    if mask is not None and close(got[mask], expected[mask], atol=atol, rtol=rtol):
        mistakes.note(PADS_NOT_ZERO)
        fail(f"{fn} on {case}: right on the real tokens, but pad entries (mask False) must be exactly 0.")
    fail(f"{fn} does not match the library on {case}: {_first_difference(got, expected, atol, rtol)}.")
