"""Points and visibility, declared next to each test (`@points(2)`, `@points(1, hidden=True)`), and `fail`.

A test is all or nothing: it scores its points when it passes and 0 when it fails.
Hidden tests live only on the instructor's side (`instructor/hidden_tests/`); in
Gradescope they are shown once grades are published. The feedback kept per test
is capped, so no answer can flood a report.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

import pytest

from a2c_lessons.grading import mistakes

VISIBLE, HIDDEN = "visible", "after_published"
MAX_OUTPUT = 2000  # characters of feedback kept per test


def fail(message: str, mistake: str | None = None) -> NoReturn:
    """Fail the current test with a student-facing message (no grader traceback).

    `mistake`: the stable id of the known mistake the message names (`fail("...", mistake="undetached_advantages")`),
    carried in results.json for the class report; leave it out for a failure that names no known mistake.
    """
    if mistake is not None:
        mistakes.note(mistakes.Mistake(mistake, message))
    pytest.fail(message, pytrace=False)


def cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and a note that says how much was cut."""
    return text if len(text) <= limit else f"{text[:limit]}\n[... {len(text) - limit} more characters cut]"


def points(n: float, hidden: bool = False, timeout: float | None = None) -> pytest.MarkDecorator:
    """Mark a graded test: worth `n` points; `hidden` from students until published; its own time limit in seconds."""
    if not n >= 0:
        raise ValueError(f"points must be >= 0, got {n}")
    return pytest.mark.points(n, hidden=hidden, timeout=timeout)


def exercise_of(module_name: str, declared: str | None = None) -> str:
    """The exercise a test file grades: its EXERCISE constant, else its name without test_ and _hidden."""
    if declared:
        return declared
    match = re.fullmatch(r"test_(.+?)(_hidden)?", module_name)
    return match.group(1) if match else module_name


@dataclass
class TestResult:
    """One graded test, as reported (a Gradescope `tests[]` entry plus where it came from)."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    name: str
    exercise: str
    max_score: float
    visibility: str = VISIBLE
    score: float = 0.0
    status: str = "not run"
    output: str = "This test did not run."
    mistakes: list[dict[str, Any]] = field(default_factory=list)  # known mistakes it found (grading.mistakes)

    def record(self, passed: bool, output: str) -> None:
        self.status = "passed" if passed else "failed"
        self.score = self.max_score if passed else 0.0
        self.output = cut(output, MAX_OUTPUT)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
