"""The lessons: committed without outputs, in the course's shape, their claims listed, and each runs in a real kernel.

Shape: cell 1 is the title, 3-5 "You will learn" bullets and what to read before; cell 2 imports from
a2c_lessons and seeds; the last cell is "## Exercises"; every plot comes from viz or curves and is
announced by a "What to look for" cell; maths in markdown is LaTeX, not ASCII.

Claims: each quantitative or visual claim is checked in the lesson by a code cell holding a line
`# Check L.N: <the claim>` and asserts after it. notebooks/README.md lists every check with the same
words; the static tests below hold the list and the lessons to each other, so removing a check fails
here, and executing a lesson runs every check, so falsifying one fails there.

The execution tests are marked `notebooks` (run only them with `pytest -m notebooks`, skip them with
`-m "not notebooks"`). They start the `python3` kernel spec; jupyter_client runs it with this very
interpreter (a kernel spec whose argv starts with "python" is launched with sys.executable), so the
kernel sees the same environment as pytest and nothing needs installing.

Each lesson runs once per CI: `make site` executes every lesson into its cache (site_src/lesson_cache.py),
keyed on the lesson's code cells and the library's files. Where that cache holds a fresh execution of a
lesson, the execution test checks it (no error output, every check's cell executed) instead of running the
lesson again; a lesson or library changed since the site was built, or no site at all, runs here as before.
A2C_LESSONS_EXECUTE=1 runs every lesson here whatever the cache holds.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
sys.path.insert(0, str(REPO / "site_src"))  # the site build's cache of executed lessons
from lesson_cache import cached_execution  # noqa: E402

LESSONS = [
    "01_lm_as_policy",
    "02_rewards_to_utility",
    "03_advantages_and_critic",
    "04_learning_dynamics",
    "05_a2c_loss",
    "06_training",
    "07_instability",
    "08_beyond_a2c",
    "09_you_are_the_human",
]
NOTEBOOKS = [NOTEBOOK_DIR / f"{name}.ipynb" for name in LESSONS]
# per notebook, kernel start included: a guard against a hang, not the pace budget (each lesson runs in well under
# two minutes on a quiet 2-core machine; a machine shared by several jobs can be five times slower)
TIMEOUT_S = 900
CHECK_LINE = re.compile(r"^# Check (\d+)\.(\d+): (.+)$", re.M)
README_ROW = re.compile(r"^\| (\d+)\.(\d+) \| (.+) \|$", re.M)
# ASCII maths the lessons once used; in markdown it is written in LaTeX ($\pi_\theta$, $y_{<t}$, $\mathbb{E}$)
ASCII_MATHS = re.compile(r"\bpi_theta\b|\by_<t\b|\bsum_t\b|\bE\[U\]|\blog pi\b|\bG_t\b|\bdelta_t\b|\bA_t\b")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def checks_in(nb: nbformat.NotebookNode) -> dict[tuple[int, int], tuple[int, str]]:
    """(lesson, n) -> (cell index, claim) of every `# Check L.N: claim` line in the lesson's code cells."""
    found = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for m in CHECK_LINE.finditer(cell.source):
                key = (int(m[1]), int(m[2]))
                assert key not in found, f"check {m[1]}.{m[2]} appears twice"
                found[key] = (index, m[3])
    return found


def listed_checks() -> dict[tuple[int, int], str]:
    """(lesson, n) -> claim, as notebooks/README.md lists them."""
    text = (NOTEBOOK_DIR / "README.md").read_text()
    return {(int(m[1]), int(m[2])): m[3].replace("\\|", "|") for m in README_ROW.finditer(text)}


def test_the_lessons_are_there_in_order():
    assert sorted(p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")) == LESSONS


def test_the_readme_table_lists_every_lesson_in_order():
    # a lesson inserted later (04) once landed at the table's end
    text = (NOTEBOOK_DIR / "README.md").read_text()
    assert re.findall(r"^\| \[\d\d [^]]*\]\((\d\d_\w+)\.ipynb\)", text, flags=re.M) == LESSONS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs_or_execution_counts(path):
    raw = json.loads(path.read_text())  # as committed: nbformat.read fills in what is missing
    missing_ids = [i for i, cell in enumerate(raw["cells"]) if not cell.get("id")]
    assert not missing_ids, f"{path.name} cells {missing_ids} have no id (nbformat 4.5 requires one)"
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_check_is_listed_in_the_readme_with_its_words_and_asserts_something(path):
    lesson = int(path.stem[:2])
    in_lesson = checks_in(read(path))
    assert all(key[0] == lesson for key in in_lesson), f"{path.name} holds checks of another lesson: {in_lesson}"
    listed = {key: claim for key, claim in listed_checks().items() if key[0] == lesson}
    missing = sorted(set(listed) - set(in_lesson))
    assert not missing, f"notebooks/README.md lists checks that {path.name} does not make: {missing}"
    unlisted = sorted(set(in_lesson) - set(listed))
    assert not unlisted, f"{path.name} makes checks that notebooks/README.md does not list: {unlisted}"
    for key, (index, claim) in in_lesson.items():
        assert listed[key] == claim, f"check {key}: the README says {listed[key]!r}, cell {index} says {claim!r}"
    cells = read(path).cells
    for key, (index, _) in in_lesson.items():
        after = cells[index].source.split(f"# Check {key[0]}.{key[1]}:")[1]
        assert re.search(r"\bassert\b|assert_close\(", after), f"check {key} in cell {index} asserts nothing"
    assert [key[1] for key in in_lesson] == sorted(key[1] for key in in_lesson), "checks are numbered in order"
    assert len(in_lesson) >= 3, f"{path.name} checks fewer than three of its claims"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_maths_is_latex_not_ascii(path):
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type != "markdown":
            continue
        prose = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", "", cell.source, flags=re.S)  # code and maths removed
        ascii_maths = ASCII_MATHS.findall(prose)
        assert not ascii_maths, f"{path.name} cell {index}: write {ascii_maths} as LaTeX ($...$)"


def executed(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, float, str]:
    """(the executed lesson, seconds its execution took, where it ran): the site build's fresh execution when
    its cache holds one (and A2C_LESSONS_EXECUTE is not 1), else this kernel's."""
    nb.metadata.setdefault("kernelspec", {})["name"] = "python3"  # as site_src/conf.py's kernel alias does
    found = None if os.environ.get("A2C_LESSONS_EXECUTE") == "1" else cached_execution(nb)
    if found is not None:
        return found[0], found[1] or 0.0, "the site build's cache"
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    start = time.monotonic()
    client.execute()  # raises CellExecutionError, naming the cell and its traceback, if any cell fails
    return nb, time.monotonic() - start, "this kernel"


def check_execution(nb: nbformat.NotebookNode, name: str) -> None:
    """Every check's cell ran, and no cell ended in an error (a failed assert is an error output)."""
    for index, cell in enumerate(nb.cells):
        errors = [out for out in cell.get("outputs", []) if out.output_type == "error"]
        assert not errors, f"{name} cell {index} failed: {errors[0].ename}: {errors[0].evalue}"
    for key, (index, claim) in checks_in(nb).items():
        assert nb.cells[index].execution_count is not None, f"check {key} ({claim}) did not run"


@pytest.mark.notebooks
@pytest.mark.timeout(TIMEOUT_S)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path):
    nb, elapsed, where = executed(read(path))
    check_execution(nb, path.name)
    assert checks_in(nb) == checks_in(read(path)), "the execution checked is not of this lesson's checks"
    assert elapsed < TIMEOUT_S, f"{path.name} took {elapsed:.0f} s (executed in {where})"
    print(f"{path.name}: executed in {where}, {elapsed:.0f} s")
