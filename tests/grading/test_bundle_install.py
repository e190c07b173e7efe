"""The student bundle installs by itself: a fresh venv outside the repository, the README's one command, then work.

As a student would: `release --bundle course.zip` (the course wheel built inside it),
unzip it in a folder outside the repository, make a fresh venv, run the set-up command
the bundle's README gives, then `pytest exercises/` and lesson 1 executed with that
venv's own Jupyter kernel. torch comes from the local CPU wheel (A2C_TORCH_INDEX empty:
pip's own configuration) and the rest from the package registries. A slow test, like
the other install tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from a2c_lessons.grading.bundle import lesson_rows
from tests.helpers import local_torch_wheels

REPO = Path(__file__).resolve().parents[2]


def test_the_lesson_table_is_whole_sentences():
    rows = lesson_rows(REPO / "notebooks")
    assert rows
    for row in rows:
        text = row.removesuffix(" |").split(" | ", 1)[1]
        assert text.startswith("You will learn ") and text.endswith(".") and ";;" not in text, text
        assert "; and;" not in text and not text.rstrip(".").endswith((" and", ",", ";"))
    assert "and writing a response is acting in that distribution" in rows[0]  # a bullet's second line is kept


@pytest.mark.timeout(3600)  # a fresh venv with every dependency, then a lesson
def test_a_fresh_venv_installs_the_bundle_with_its_readme_command_and_runs_it(tmp_path):
    wheels = local_torch_wheels()
    if wheels is None:
        pytest.skip("no CPU torch wheel in pip's find-links: the venv would download the CUDA build")
    bundle = tmp_path / "course.zip"
    done = subprocess.run(
        [sys.executable, "-m", "a2c_lessons.cli", "release", "--bundle", str(bundle)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0 and "note:" not in done.stdout, done.stderr
    student = tmp_path / "student"
    zipfile.ZipFile(bundle).extractall(student)
    course = student / "course"
    assert len(list((course / "wheels").glob("a2c_lessons-*.whl"))) == 1
    readme = (course / "README.md").read_text()
    command = readme.split("## Set-up")[1].split("\n    ")[1].split("\n")[0].strip()
    assert command == "python install.py"
    venv = student / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env |= {"PATH": f"{venv / 'bin'}:{env['PATH']}", "A2C_TORCH_INDEX": "", "PIP_FIND_LINKS": wheels}
    done = subprocess.run(command.split(), cwd=course, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    where = subprocess.run(
        ["python", "-c", "import a2c_lessons; print(a2c_lessons.__file__)"],
        cwd=student,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(venv), where
    tests = subprocess.run(
        ["python", "-m", "pytest", "exercises/", "-q", "-p", "no:cacheprovider"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert "public tests passed: 0 of" in tests.stdout and "ERROR" not in tests.stdout, tests.stdout[-2000:]
    lesson = sorted((course / "notebooks").glob("01_*.ipynb"))[0]
    run = ["jupyter", "nbconvert", "--to", "notebook", "--execute", "--output", str(tmp_path / "lesson1.ipynb")]
    executed = subprocess.run(
        [*run, str(lesson)], cwd=course / "notebooks", env=env, capture_output=True, text=True, timeout=900
    )
    assert executed.returncode == 0, executed.stderr[-3000:]
