"""`check("utility")`: grade matching exercises from inside a notebook, with the same feedback as pytest.

The tests run in a fresh Python subprocess, so the file you just edited is what
gets graded (a notebook keeps the old version of an imported module), and a
loop or a sys.exit in your code cannot take the notebook's kernel down with it.
Nothing is written into your exercises folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from a2c_lessons.grading import wire


@dataclass
class CheckResult:
    """Points scored by the checked tests."""

    name: str
    score: float
    max_score: float
    passed: int
    tests: int

    def __repr__(self) -> str:
        points = f"{self.score:g} / {self.max_score:g} points"
        return f"{self.name}: {points}, public tests passed: {self.passed} of {self.tests}"


def exercise_tests(folder: Path) -> list[Path]:
    """The test files of the exercises in `folder`, test_exNN_topic.py, in order."""
    return sorted(p for p in folder.glob("test_*.py") if wire.is_exercise(p.stem.removeprefix("test_")))


def find_exercises(start: Path | None = None) -> Path:
    """The exercises/ folder: in the current folder or one above it (notebooks/ sits next to exercises/)."""
    start = Path.cwd() if start is None else Path(start)
    for folder in [start, *start.resolve().parents]:
        for candidate in (folder, folder / "exercises"):
            if (candidate / "conftest.py").is_file() and exercise_tests(candidate):
                return candidate
    raise FileNotFoundError(f"no exercises/ folder in {start} or above it; pass folder=... to check()")


def check(name: str, *, folder: str | Path | None = None, timeout: float = 300.0) -> CheckResult:
    """Run the tests whose name matches `name` (like `pytest exercises -k name`); print the feedback.

    Args:
        name: an exercise number or word, e.g. "ex04", "utility", "gae".
        folder: the exercises folder (default: found from the current folder).
        timeout: seconds before the whole check is stopped.
    Returns:
        CheckResult with the points of the matching tests.
    """
    folder = find_exercises() if folder is None else Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.json"
        options = ["-k", name, "-q", "--no-header", "-p", "no:cacheprovider", "--grades-json", str(results)]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        cmd = [sys.executable, "-m", "pytest", str(folder), *options]
        try:
            proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"check({name!r}) stopped after {timeout:g} s: does an exercise loop forever?")
            return CheckResult(name, 0.0, 0.0, 0, 0)
        if proc.returncode == 5:  # pytest: no test was selected
            known = ", ".join(p.stem.removeprefix("test_") for p in exercise_tests(folder))
            print(f"no exercise matches {name!r}; the exercises are: {known}")
            return CheckResult(name, 0.0, 0.0, 0, 0)
        print(proc.stdout + proc.stderr)
        tests = json.loads(results.read_text())["tests"] if results.is_file() else []
    public = [t for t in tests if t["visibility"] == "visible"]
    passed = sum(t.get("status") == "passed" for t in public)
    return CheckResult(name, sum(t["score"] for t in tests), sum(t["max_score"] for t in tests), passed, len(public))
