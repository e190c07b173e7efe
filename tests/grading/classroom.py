"""A synthetic class for the instructor's tools: reference answers, stubs, every known-wrong file, mixtures.

`build_class(folder, n)` writes n student folders the way `tests/grading/test_grading.py` hands
them in (its helpers): with n >= 34, four reference students, two stub students, one
student per file of `tests/wrong/` (over the reference answers), and the rest
mixtures of three wrong files each, every third with two exercises left out. With a
smaller n, the class is the test suite's compact one: reference, stubs, the two
students of test_grading.py who hand in every wrong file between them, and mixtures.
`python -m tests.grading.classroom OUT` grades a 40-student class and reports it.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from a2c_lessons.grading.release import exercise_files
from tests.grading.test_grading import EXERCISES, INSTRUCTOR, LEFT_OUT, MORE_WRONG_FILES, WRONG, WRONG_FILES, _hand_in


def wrong_files() -> dict[str, str]:
    """name of each known-wrong file -> the exercise it is shaped like."""
    return {
        p.stem: p.read_text().split('EXERCISE = "')[1].split('"')[0]
        for p in sorted(WRONG.glob("*.py"))
        if p.name != "__init__.py"
    }


def _mixture(rng: random.Random, shapes: dict[str, str]) -> list[str]:
    """Three wrong files for three different exercises."""
    chosen: dict[str, str] = {}
    for name in rng.sample(sorted(shapes), len(shapes)):
        chosen.setdefault(shapes[name], name)
        if len(chosen) == 3:
            break
    return sorted(chosen.values())


def build_class(folder: Path, n: int, seed: int = 0) -> dict[str, list[str]]:
    """n student folders in `folder`; returns student -> the wrong files they handed in."""
    rng = random.Random(seed)
    reference = exercise_files(INSTRUCTOR)
    shapes = wrong_files()
    plan: dict[str, tuple[list[Path], list[str]]] = {}
    if n >= 6 + len(shapes):
        plan.update({f"reference_{i}": (reference, []) for i in range(1, 5)})
        plan.update({f"stubs_{i}": (exercise_files(EXERCISES), []) for i in range(1, 3)})
        plan.update({f"wrong_{name}": (reference, [name]) for name in shapes})
    else:
        handed_in = [p for p in reference if not p.name.startswith(LEFT_OUT)]
        plan["reference"] = (reference, [])
        plan["stubs"] = (exercise_files(EXERCISES), [])
        plan["known_wrong"] = (reference, list(WRONG_FILES))
        plan["known_wrong_more"] = (handed_in, list(MORE_WRONG_FILES))
    for i in range(1, n - len(plan) + 1):
        files = reference
        if i % 3 == 0:
            left_out = {p.name for p in rng.sample(reference, 2)}
            files = [p for p in reference if p.name not in left_out]
        plan[f"mixture_{i:02d}"] = (files, _mixture(rng, shapes))
    for student, (files, wrong) in list(plan.items())[:n]:
        _hand_in(folder / student, files, wrong)
    return {student: wrong for student, (_, wrong) in list(plan.items())[:n]}


def main(argv: list[str]) -> int:
    """Grade a class of 40 into OUT/grades and report it into OUT/report."""
    from a2c_lessons.grading import batch, classreport

    out = Path(argv[0])
    build_class(out / "submissions", 40)
    code = batch.main([str(out / "submissions"), "--out", str(out / "grades"), "--jobs", "2", "--test-timeout", "5"])
    return code or classreport.main([str(out / "grades"), "--out", str(out / "report")])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
