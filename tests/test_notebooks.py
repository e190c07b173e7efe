"""The lessons: committed without outputs, shaped as STYLE.md asks, and each runs top to bottom in a real kernel.

The execution tests are marked `notebooks` (run only them with `pytest -m notebooks`, skip them with
`-m "not notebooks"`). They start the `python3` kernel spec; jupyter_client runs it with this very
interpreter (a kernel spec whose argv starts with "python" is launched with sys.executable), so the
kernel sees the same environment as pytest and nothing needs installing.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = [
    "01_lm_as_policy", "02_rewards_to_utility", "03_advantages_and_critic", "04_a2c_loss",
    "05_training", "06_instability", "07_beyond_a2c",
]  # fmt: skip
NOTEBOOKS = [NOTEBOOK_DIR / f"{name}.ipynb" for name in LESSONS]
TIMEOUT_S = 240  # per notebook, kernel start included


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_the_seven_lessons_are_there_in_order():
    assert sorted(p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")) == LESSONS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs_or_execution_counts(path):
    nb = read(path)
    nbformat.validate(nb)
    assert "widgets" not in nb.metadata, f"{path.name} holds saved widget state"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has outputs: strip them before committing"
            assert cell.execution_count is None, f"{path.name} cell {index} has an execution count"
        assert "execution" not in cell.get("metadata", {}), f"{path.name} cell {index} has timing metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_opens_with_goals_and_imports_and_ends_with_exercises(path):
    cells = read(path).cells
    title, imports, last = cells[0], cells[1], cells[-1]
    assert title.cell_type == "markdown" and title.source.startswith("# Lesson ")
    goals = title.source.split("**You will learn**")[1].split("**Before this lesson:**")
    assert 3 <= len(re.findall(r"^- ", goals[0], flags=re.M)) <= 5, "cell 1 needs 3-5 'You will learn' bullets"
    assert len(goals) == 2 and goals[1].strip(), "cell 1 must say what to have read before"
    assert imports.cell_type == "code" and "from a2c_lessons" in imports.source
    assert "torch.manual_seed(SEED)" in imports.source
    assert last.cell_type == "markdown" and last.source.startswith("## Exercises")
    assert re.search(r"exercises/ex\d\d_\w+\.py", last.source), "the exercises must name the files to edit"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_exercise_files_a_lesson_names_exist(path):
    named = re.findall(r"exercises/(ex\d\d_\w+\.py)", read(path).cells[-1].source)
    missing = [name for name in named if not (NOTEBOOK_DIR.parent / "exercises" / name).is_file()]
    assert not missing, f"{path.name} names exercise files that do not exist: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_plot_is_drawn_by_viz_and_announced(path):
    cells = read(path).cells
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        assert "plt." not in cell.source, (
            f"{path.name} cell {index} draws with pyplot: use an a2c_lessons.viz or a2c_lessons.curves function"
        )
        if re.search(r"\b(viz|curves)\.plot_", cell.source):
            before = cells[index - 1]
            assert before.cell_type == "markdown" and before.source.startswith("**What to look for:**"), (
                f"{path.name} cell {index}: say what to look for in the plot, in the markdown cell before it"
            )


@pytest.mark.notebooks
@pytest.mark.timeout(TIMEOUT_S)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path):
    from nbclient import NotebookClient

    nb = read(path)
    client = NotebookClient(
        nb, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    start = time.monotonic()
    client.execute()  # raises CellExecutionError, naming the cell and its traceback, if any cell fails
    elapsed = time.monotonic() - start
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    assert elapsed < TIMEOUT_S, f"{path.name} took {elapsed:.0f} s"
