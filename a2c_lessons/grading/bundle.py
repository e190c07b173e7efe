"""The student bundle: `a2c-lessons release --bundle course.zip` holds what a student needs and nothing more.

    course.zip
      README.md            how to start, the lessons in order with what each teaches, how to check answers
      notebooks/NN_*.ipynb the lessons, outputs stripped
      exercises/           the student release: stubs, public tests, the student README (and, in the
                           practice release only, the hashed concept keys)

No instructor file enters it: no solution, no answer key source, no hidden test.
`check_bundle` is the test of that, and the release refuses a bundle that fails it.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from a2c_lessons.grading.keys import KEYS_SOURCE
from a2c_lessons.grading.release import BEGIN, END, ReleaseError, build_release

README = """# Reinforcement learning for language models: the A2C lessons

A course on RL fine-tuning of language models through the Advantage Actor-Critic loss,
in {n} notebooks that run on a laptop CPU in minutes.

## Set-up

With Python 3.10 or newer, in a fresh virtual environment:

    pip install torch --index-url https://download.pytorch.org/whl/cpu   # the CPU build; skip on a GPU machine
    pip install a2c-lessons                                               # the course library: the wheel or
                                                                          # repository your instructor names
    jupyter lab notebooks/

## The lessons, in order

| lesson | you will learn |
| --- | --- |
{rows}

## Exercises

Each lesson ends with exercises: edit the files in `exercises/` (see `exercises/README.md`),
then check them with `pytest exercises/` from this folder, or `check("ex04")` in a notebook.
That check is for you, not a grade: your instructor grades the files you hand in.
"""


def lesson_rows(notebooks: Path) -> list[str]:
    """One table row per lesson: its title and its "You will learn" bullets."""
    rows = []
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        first = "".join(json.loads(path.read_text())["cells"][0]["source"])
        title = first.splitlines()[0].lstrip("# ").strip()
        goals = first.split("**You will learn**")[-1].split("**Before this lesson:**")[0]
        bullets = [line[2:].strip() for line in goals.splitlines() if line.startswith("- ")]
        rows.append(f"| [{title}](notebooks/{path.name}) | {'; '.join(bullets).replace('|', '/')} |")
    return rows


def _stripped(path: Path) -> bytes:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell.get("outputs") or cell.get("execution_count"):
            raise ReleaseError(f"{path.name} is saved with outputs: strip them before bundling it")
    return path.read_bytes()


def build_bundle(source: Path, notebooks: Path, *, graded: bool) -> dict[str, bytes]:
    """path in the bundle -> bytes: the student README, the lessons, the student exercises."""
    lessons = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not lessons:
        raise ReleaseError(f"no lessons (NN_topic.ipynb) in {notebooks}: pass --notebooks")
    files = {f"exercises/{name}": text.encode() for name, text in build_release(source, graded=graded).items()}
    files.update({f"notebooks/{p.name}": _stripped(p) for p in lessons})
    files["README.md"] = README.format(n=len(lessons), rows="\n".join(lesson_rows(notebooks))).encode()
    problems = check_bundle(files, source)
    if problems:
        raise ReleaseError(f"the bundle would leak instructor material: {problems[0]}")
    return files


def check_bundle(files: dict[str, bytes], source: Path) -> list[str]:
    """What in the bundle should not be there: instructor files, solution markers, hidden tests, answer keys."""
    problems = []
    hidden = {p.name for p in (source / "hidden_tests").glob("*.py")}
    for name, data in files.items():
        text = data.decode(errors="replace")
        if Path(name).name in hidden or Path(name).name == KEYS_SOURCE:
            problems.append(f"{name} is an instructor file")
        if BEGIN in text or END in text:
            problems.append(f"{name} holds a solution marker")
    return problems


def write_bundle(files: dict[str, bytes], path: Path) -> None:
    """A .zip file at `path`, or a folder of these files."""
    if path.suffix == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in sorted(files.items()):
                zf.writestr(f"course/{name}", data)
        path.write_bytes(buffer.getvalue())
        return
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
