"""A student's answer to a concept question in canonical form: one letter, a list of letters, a word, a number.

Each helper fails the test with a message that says what shape of answer was
expected. Types are checked exactly (`type(x) is str`): the values arrive from the
runner as plain data, and a subclass with a lying `__eq__` never gets this far.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from a2c_lessons.grading.points import fail


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
