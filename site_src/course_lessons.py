"""What the website shows of each lesson, read from the notebook itself (no Sphinx here, so tests import it).

A new `notebooks/NN_topic.ipynb` appears on the site without editing anything: its title and "You will learn"
bullets come from cell 1, its exercise files from the last cell ("## Exercises"), the shape every lesson has
(tests/test_notebooks.py checks it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

LESSON_GLOB = "[0-9][0-9]_*.ipynb"
# ipywidgets itself, or the course's widgets module (`from a2c_lessons import widgets`, `a2c_lessons.widgets`)
USES_WIDGETS = re.compile(r"\bipywidgets\b|\ba2c_lessons\.widgets\b|^from a2c_lessons import [^\n]*\bwidgets\b", re.M)


@dataclass(frozen=True)
class Lesson:
    """One lesson as the site shows it."""

    path: Path
    title: str
    goals: list[str]  # the "You will learn" bullets, as markdown, one line each
    exercises: list[str]  # file names in exercises/, in the order the lesson names them
    uses_widgets: bool

    @classmethod
    def read(cls, path: Path) -> Lesson:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(cell["source"]) for cell in cells]
        code = "\n".join(src for cell, src in zip(cells, sources) if cell["cell_type"] == "code")
        last_markdown = sources[-1] if cells[-1]["cell_type"] == "markdown" else ""
        return cls(
            path=path,
            title=sources[0].splitlines()[0].lstrip("#").strip(),
            goals=goals(sources[0]),
            exercises=exercise_files(last_markdown),
            uses_widgets=bool(USES_WIDGETS.search(code)),
        )


def lessons(notebooks: Path) -> list[Lesson]:
    """Every lesson, in course order (the NN of notebooks/NN_topic.ipynb)."""
    return [Lesson.read(path) for path in sorted(notebooks.glob(LESSON_GLOB))]


def goals(first_cell: str) -> list[str]:
    """The bullets between **You will learn** and **Before this lesson:**, each joined onto one line."""
    section = first_cell.split("**You will learn**", 1)[-1].split("**Before this lesson:**", 1)[0]
    bullets: list[str] = []
    for line in section.splitlines():
        if line.startswith("- "):
            bullets.append(line[2:].strip())
        elif line.strip() and bullets:  # a bullet's continuation line
            bullets[-1] += " " + line.strip()
    return bullets


def exercise_files(last_cell: str) -> list[str]:
    """The exercises/exNN_topic.py files named under "## Exercises": bare file names, so that a download can only
    ever point into exercises/ (never at instructor/, a test, or a path of the author's choosing)."""
    if not last_cell.startswith("## Exercises"):
        return []
    return list(dict.fromkeys(re.findall(r"(?<![\w/])exercises/(ex\d\d_\w+\.py)\b", last_cell)))
