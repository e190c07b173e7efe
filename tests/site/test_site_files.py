"""What the website is made of: the lesson reader behind it, the landing page's commands, and the files of the
built site (student files only: nothing from instructor/ may reach it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from course_lessons import Lesson, exercise_files, goals, lessons

REPO = Path(__file__).resolve().parents[2]
SITE_SRC = REPO / "site_src"

FIRST_CELL = """# Lesson 4: A made-up lesson

**You will learn**

- one thing, written over
  two lines;
- another `thing`.

**Before this lesson:** nothing.
"""

LAST_CELL = """## Exercises

| file | what is checked | points |
| --- | --- | --- |
| `exercises/ex02_utility_terms.py` | the utility | 4 |
| `exercises/ex05_a2c_loss.py` | the loss | 4 |

Run `pytest exercises/test_ex02_utility_terms.py`; see `exercises/README.md`; the instructor keeps
`instructor/exercises/ex99_answers.py` and `instructor/ex02_utility_terms.py`. Again: `exercises/ex02_utility_terms.py`.
"""


def test_goals_are_the_bullets_between_you_will_learn_and_before_this_lesson():
    assert goals(FIRST_CELL) == ["one thing, written over two lines;", "another `thing`."]


def test_exercise_files_are_the_student_files_the_last_cell_names_once_each():
    assert exercise_files(LAST_CELL) == ["ex02_utility_terms.py", "ex05_a2c_loss.py"]


def test_exercise_files_are_read_only_from_an_exercises_section():
    assert exercise_files(LAST_CELL.replace("## Exercises", "## Summary")) == []


def test_every_lesson_reads_with_title_goals_and_existing_exercise_files():
    found = lessons(REPO / "notebooks")
    assert [lesson.path.name for lesson in found] == sorted(p.name for p in (REPO / "notebooks").glob("[0-9]*.ipynb"))
    for lesson in found:
        assert lesson.title.startswith("Lesson "), lesson.path.name
        assert 3 <= len(lesson.goals) <= 5, f"{lesson.path.name}: {lesson.goals}"
        assert lesson.exercises, f"{lesson.path.name} names no exercise file"
        assert all((REPO / "exercises" / name).is_file() for name in lesson.exercises), lesson.exercises


def test_the_advantage_lesson_counts_as_a_widget_lesson_and_the_first_does_not():
    assert Lesson.read(REPO / "notebooks" / "03_advantages_and_critic.ipynb").uses_widgets
    assert not Lesson.read(REPO / "notebooks" / "01_lm_as_policy.ipynb").uses_widgets


def test_the_landing_page_commands_are_the_readme_commands():
    """The landing page repeats the README's set-up: a command changed in one must change in the other."""
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", (SITE_SRC / "index.md").read_text(), flags=re.S)
    commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]
    assert {"make train", "make test", ".venv/bin/jupyter lab notebooks/"} <= set(commands)
    missing = [command for command in commands if command not in readme]
    assert not missing, f"the landing page shows commands the README does not: {missing}"


# ---------------------------------------------------------------- the built site


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_the_downloads_are_student_files_byte_for_byte(site):
    student = {path.read_bytes() for folder in ("notebooks", "exercises") for path in files_under(REPO / folder)}
    downloads = files_under(site / "_downloads")
    assert downloads, "the site offers no downloads"
    strays = [str(path.relative_to(site)) for path in downloads if path.read_bytes() not in student]
    assert not strays, f"downloads that are not a file of notebooks/ or exercises/: {strays}"


def instructor_material(folder: Path) -> list[str]:
    """Files under `folder` that hold a solution marker or equal a file only instructor/ has."""
    student = {path.read_bytes() for name in ("notebooks", "exercises") for path in files_under(REPO / name)}
    instructor_only = {p.read_bytes() for p in files_under(REPO / "instructor")} - student
    return [
        str(path.relative_to(folder))
        for path in files_under(folder)
        if path.read_bytes() in instructor_only or b"### BEGIN SOLUTION" in path.read_bytes()
    ]


def test_instructor_material_is_recognised_and_student_files_are_not(tmp_path):
    student = sorted((REPO / "exercises").glob("ex*.py"))[0]
    students = {path.read_bytes() for name in ("notebooks", "exercises") for path in files_under(REPO / name)}
    only_instructor = [p for p in sorted(files_under(REPO / "instructor")) if p.read_bytes() not in students]
    (tmp_path / "student.py").write_bytes(student.read_bytes())
    (tmp_path / "copied.py").write_bytes(only_instructor[0].read_bytes())  # e.g. an answer key or hidden test
    (tmp_path / "page.html").write_text("<pre>### BEGIN SOLUTION\nreturn 42\n### END SOLUTION</pre>")
    assert sorted(instructor_material(tmp_path)) == ["copied.py", "page.html"]


def test_no_instructor_file_or_solution_reaches_the_site(site):
    leaked = instructor_material(site)
    assert not leaked, f"instructor material in site/: {leaked}"


@pytest.mark.parametrize("name", ["site/jupyter_execute", "jupyter_execute"])
def test_the_build_leaves_its_working_files_in_build(site, name):
    assert not (REPO / name).exists(), f"{name} belongs in build/site/"
