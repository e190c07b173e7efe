"""The points tables of the course's documents, derived from the tests: `release` rewrites them, a test checks them.

Points are declared once, next to each test (`@points(n)` in instructor/test_*.py).
Every table that shows them is derived from those declarations:

    README.md, notebooks/README.md     "ex02 utility terms (4)" in the lessons table
    notebooks/NN_*.ipynb               the "## Exercises" cell: one row per exercise file, then
                                       "Graded points in this lesson: N."
    instructor/README.student.md       one row per exercise file, and the total

Only public points appear: hidden tests are the instructor's business.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from a2c_lessons.grading.wire import EXERCISE_ID, EXERCISE_MODULE, exercise_id

ROW = re.compile(rf"^(\| `(?:exercises/)?({EXERCISE_MODULE.pattern})\.py` \|.*\| )(\d+(?:\.\d+)?)( \|)$", re.M)
LESSON_TOTAL = re.compile(r"Graded points in this lesson: \d+(?:\.\d+)?\.")
TABLE_TOTAL = re.compile(r"^(\| \| total \| )\d+(?:\.\d+)?( \|)$", re.M)
SHORT = re.compile(rf"\b({EXERCISE_ID.pattern})\b([^|()\n]*?)\((\d+(?:\.\d+)?)\)")


def declared_points(source: Path) -> dict[str, dict[str, float]]:
    """exercise -> {"public": points, "hidden": points}, as pytest collects the tests of `source` (parametrized
    tests count once per case), hidden tests included."""
    source = Path(source).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "collected.jsonl"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            str(source),
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(source),
            "--grades-log",
            str(log),
        ]
        subprocess.run(cmd, cwd=source, capture_output=True, timeout=300)
        if not log.is_file():
            raise ValueError(f"the tests in {source} could not be collected: run pytest there to see why")
        collected = json.loads(log.read_text().splitlines()[0])["collected"]
    totals: dict[str, dict[str, float]] = {}
    for test in collected:
        entry = totals.setdefault(test["exercise"], {"public": 0.0, "hidden": 0.0})
        entry["public" if test["visibility"] == "visible" else "hidden"] += test["max_score"]
    return totals


def _number(points: float) -> str:
    return f"{points:g}"


def rewrite(text: str, public: dict[str, float]) -> str:
    """`text` with every points figure recomputed from `public` (exercise module -> public points)."""
    text = ROW.sub(lambda m: f"{m[1]}{_number(public.get(m[2], float(m[3])))}{m[4]}", text)
    listed = [public.get(m[2], 0.0) for m in ROW.finditer(text)]
    text = LESSON_TOTAL.sub(f"Graded points in this lesson: {_number(sum(listed))}.", text)
    text = TABLE_TOTAL.sub(lambda m: f"{m[1]}{_number(sum(listed))}{m[2]}", text)
    by_number = {exercise_id(name): points for name, points in public.items()}
    lines = [
        SHORT.sub(lambda m: f"{m[1]}{m[2]}({_number(by_number.get(m[1], float(m[3])))})", line)
        if line.startswith("|")
        else line
        for line in text.split("\n")
    ]
    return "\n".join(lines)


def _rewrite_notebook(path: Path, public: dict[str, float]) -> str:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown" and "".join(cell["source"]).startswith("## Exercises"):
            cell["source"] = rewrite("".join(cell["source"]), public).splitlines(keepends=True)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def documents(repo: Path) -> list[Path]:
    """The files that carry points tables, in a clone of the repository."""
    found = [repo / "README.md", repo / "notebooks" / "README.md", repo / "instructor" / "README.student.md"]
    return [p for p in found if p.is_file()] + sorted((repo / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def sync(repo: Path, source: Path) -> list[Path]:
    """Rewrite every points table under `repo` from the tests in `source`; return the files that changed."""
    public = {exercise: entry["public"] for exercise, entry in declared_points(source).items()}
    changed = []
    for path in documents(repo):
        old = path.read_text()
        new = _rewrite_notebook(path, public) if path.suffix == ".ipynb" else rewrite(old, public)
        if new != old:
            path.write_text(new)
            changed.append(path)
    return changed
