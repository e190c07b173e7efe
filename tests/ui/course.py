"""Where the course's notebooks are, which of them the browser tests run, and the CI rule for missing tools."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from tests.helpers import in_ci

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = REPO / "notebooks"
SHOTS = REPO / "runs" / "ui-screenshots"
ADVANTAGE_LESSON = NOTEBOOKS / "03_advantages_and_critic.ipynb"
PREFERENCE_LESSON = NOTEBOOKS / "09_you_are_the_human.ipynb"


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing prerequisite skips; under CI=true it is a failure, so CI cannot pass by skipping."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


def widget_builders() -> list[str]:
    """The functions and classes of a2c_lessons.widgets that build ipywidgets (LivePlot redraws without them)."""
    tree = ast.parse((REPO / "a2c_lessons" / "widgets.py").read_text())
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and "ipywidgets" in ast.unparse(node)
    ]


def widget_lessons() -> list[Path]:
    """The lessons whose code uses ipywidgets, directly or through a2c_lessons.widgets; the advantage lesson
    always counts, written or not."""
    names = ["ipywidgets", "interact", "interactive", *widget_builders()]
    uses_widgets = re.compile(r"\b(?:" + "|".join(names) + r")\b")
    found = {ADVANTAGE_LESSON}
    for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        code = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        if uses_widgets.search(code):
            found.add(nb)
    return sorted(found)
