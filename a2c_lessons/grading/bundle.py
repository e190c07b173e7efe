"""The student bundle: `a2c-lessons release --bundle course.zip` holds what a student needs and nothing more.

    course.zip
      README.md            how to start, the lessons in order with what each teaches, how to check answers
      notebooks/NN_*.ipynb the lessons, outputs stripped
      exercises/           the student release: stubs, public tests, the student README (and, in the
                           practice release only, the hashed concept keys)
      wheels/              the course library's wheel (`release --bundle` builds it, or `--wheel PATH`)
      install.py           the one set-up command: torch (the CPU build where there is no NVIDIA GPU), then the wheel

No instructor file enters it: no solution, no answer key source, no hidden test.
`release.bundle_leaks` is the test of that, and the release refuses a bundle that fails it.
This module lays out the course from a student release already built (`release.build_release`).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path


class BundleError(ValueError):
    """The lessons cannot be bundled as they are (the message names the lesson or the folder)."""


README = """# Reinforcement learning for language models: the A2C lessons

A course on RL fine-tuning of language models through the Advantage Actor-Critic loss,
in {n} notebooks that run on a laptop CPU in minutes.

## Set-up

With Python 3.10 or newer, in a fresh virtual environment, from this folder:

    python install.py

It installs torch (the CPU build, unless the machine has an NVIDIA GPU) and the course
library from `wheels/`, which brings everything else the lessons use. Then:

    jupyter lab notebooks/

## The lessons, in order

| lesson | what it teaches |
| --- | --- |
{rows}

## Exercises

Each lesson ends with exercises: edit the files in `exercises/` (see `exercises/README.md`),
then check them with `pytest exercises/` from this folder, or `check("ex02")` in a notebook.
That check is for you, not a grade: your instructor grades the files you hand in.
"""

INSTALL = '''"""Set up the course in the running Python: `python install.py` (in a fresh virtual environment).

Installs torch first, the CPU build unless this machine has an NVIDIA GPU (A2C_TORCH_INDEX overrides
where it comes from; empty means pip's own configuration), then the course library from wheels/.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def main() -> int:
    wheels = sorted((HERE / "wheels").glob("a2c_lessons-*.whl"))
    if not wheels:
        print("error: wheels/ holds no a2c_lessons wheel: ask your instructor for the course's wheel", file=sys.stderr)
        return 2
    pip = [sys.executable, "-m", "pip", "install"]
    index = os.environ.get("A2C_TORCH_INDEX", "" if shutil.which("nvidia-smi") else CPU_INDEX)
    subprocess.run([*pip, "torch", *(["--index-url", index] if index else [])], check=True)
    subprocess.run([*pip, str(wheels[-1])], check=True)
    print("installed: open the lessons with `jupyter lab notebooks/`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def _bullets(goals: str) -> list[str]:
    """The "You will learn" bullets, each whole: a bullet's continuation lines are joined to it."""
    bullets: list[str] = []
    for line in goals.splitlines():
        if line.startswith("- "):
            bullets.append(line[2:].strip())
        elif bullets and line.startswith("  ") and line.strip():
            bullets[-1] += " " + line.strip()
    return bullets


def lesson_rows(notebooks: Path) -> list[str]:
    """One table row per lesson: its title and one sentence of what it teaches, from its "You will learn" bullets."""
    rows = []
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        first = "".join(json.loads(path.read_text())["cells"][0]["source"])
        title = first.splitlines()[0].lstrip("# ").strip()
        goals = first.split("**You will learn**")[-1].split("**Before this lesson:**")[0]
        sentence = "You will learn " + " ".join(_bullets(goals)).rstrip(" ;.") + "."  # bullets end in ';' already
        rows.append(f"| [{title}](notebooks/{path.name}) | {sentence.replace('|', '/')} |")
    return rows


def _stripped(path: Path) -> bytes:
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell.get("outputs") or cell.get("execution_count"):
            raise BundleError(f"{path.name} is saved with outputs: strip them before bundling it")
    return path.read_bytes()


def lessons(notebooks: Path) -> list[Path]:
    """The lessons in `notebooks` (NN_topic.ipynb), in order; BundleError if there are none."""
    found = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise BundleError(f"no lessons (NN_topic.ipynb) in {notebooks}: pass --notebooks")
    return found


def course_files(exercises: dict[str, str], notebooks: Path, *, wheel: Path | None = None) -> dict[str, bytes]:
    """path in the bundle -> bytes: the student README, install.py, the lessons, the release `exercises`, the wheel."""
    found = lessons(notebooks)
    files = {f"exercises/{name}": text.encode() for name, text in exercises.items()}
    files.update({f"notebooks/{p.name}": _stripped(p) for p in found})
    files["README.md"] = README.format(n=len(found), rows="\n".join(lesson_rows(notebooks))).encode()
    files["install.py"] = INSTALL.encode()
    if wheel is not None:
        files[f"wheels/{Path(wheel).name}"] = Path(wheel).read_bytes()
    return files


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
