"""The class kit: points tables derived from the tests, the student bundle, a wheel install without the repository."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from a2c_lessons.grading import sandbox, tables
from a2c_lessons.grading.release import build_bundle, bundle_leaks, exercise_files

REPO = Path(__file__).resolve().parents[2]
INSTRUCTOR = REPO / "instructor"


def _copy_docs(into: Path) -> Path:
    for path in tables.documents(REPO):
        (into / path.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, into / path.relative_to(REPO))
    return into


def test_every_points_table_agrees_with_the_tests(tmp_path):
    changed = tables.sync(_copy_docs(tmp_path), INSTRUCTOR)
    assert changed == [], f"run `a2c-lessons release`: stale points in {[str(p) for p in changed]}"


def test_points_are_counted_as_pytest_collects_them():
    points = tables.declared_points(INSTRUCTOR)
    assert points["ex21_instability"] == {"public": 6.0, "hidden": 0.0}  # one parametrized test, six runs
    assert points["ex09_gae"]["hidden"] > 0


def test_changing_points_and_releasing_updates_every_table_and_the_tests_pass(tmp_path):
    clone = tmp_path / "clone"
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (REPO / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, clone / name)
    test_file = clone / "instructor" / "test_ex08_discounted_returns.py"
    text = test_file.read_text()
    assert "@points(2)" in text
    test_file.write_text(text.replace("@points(2)", "@points(7)", 1))  # ex08 public: 4 -> 9
    env = {**os.environ, "PYTHONPATH": str(clone)}  # the clone's own package, so its REPO_ROOT is the clone
    release = [sys.executable, "-m", "a2c_lessons.cli", "release", "--overwrite"]
    done = subprocess.run(release, cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "updated the points in README.md" in done.stdout
    shows_nine = re.compile(r"ex08[^|\n]*?\(9\)|ex08_discounted_returns\.py` \|[^\n]*\| 9 \|")
    for path in ("README.md", "notebooks/README.md", "exercises/README.md", "notebooks/03_advantages_and_critic.ipynb"):
        assert shows_nine.search((clone / path).read_text()), path
    checks = [
        "tests/grading/test_class_kit.py::test_every_points_table_agrees_with_the_tests",
        "tests/grading/test_grading_release.py::test_committed_exercises_equal_a_fresh_release",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *checks],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]


# ---------------------------------------------------------------- the student bundle


@pytest.mark.parametrize("graded", [False, True], ids=["practice", "graded"])
def test_the_bundle_holds_every_exercise_and_no_instructor_material(graded):
    files = build_bundle(INSTRUCTOR, REPO / "notebooks", graded=graded)
    exercises = {p.name for p in exercise_files(INSTRUCTOR)}
    assert {f"exercises/{name}" for name in exercises} <= set(files)
    assert {f"notebooks/{p.name}" for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")} <= set(files)
    assert bundle_leaks(files, INSTRUCTOR) == []
    assert ("exercises/answer_keys.json" in files) is not graded
    solutions = [
        p.read_text().split("### BEGIN SOLUTION\n")[1].split("### END SOLUTION")[0].strip()
        for p in INSTRUCTOR.glob("ex1*.py")
    ]
    text = b"\n".join(files.values()).decode(errors="replace")
    assert not any(solution in text for solution in solutions if len(solution) > 30)
    assert "README.md" in files and b"## The lessons, in order" in files["README.md"]


def test_bundle_leaks_catches_a_hidden_test_and_a_solution():
    leaky = {"exercises/test_ex09_gae_hidden.py": b"", "exercises/ex06.py": b"### BEGIN SOLUTION\n"}
    assert len(bundle_leaks(leaky, INSTRUCTOR)) == 2


def test_pytest_runs_in_the_unpacked_bundle(tmp_path):
    bundle = tmp_path / "course.zip"
    done = subprocess.run(
        [sys.executable, "-m", "a2c_lessons.cli", "release", "--bundle", str(bundle)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    zipfile.ZipFile(bundle).extractall(tmp_path)
    course = tmp_path / "course"
    pytest = [sys.executable, "-m", "pytest", "exercises", "-q", "-p", "no:cacheprovider", "-k", "ex06 or ex04"]
    ran = subprocess.run(pytest, cwd=course, capture_output=True, text=True, timeout=300)
    assert "public tests passed: 0 of" in ran.stdout and "ERROR" not in ran.stdout, ran.stdout[-2000:]
    assert ran.returncode == 1  # the stubs fail: pytest ran every selected test


# ---------------------------------------------------------------- installed from a wheel, without the repository


def _tree(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if "__pycache__" not in p.parts):  # bytecode is Python's
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_wheel_install_takes_explicit_paths_and_writes_nothing_into_the_package(tmp_path):
    wheel_dir, venv = tmp_path / "wheel", tmp_path / "venv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # the dependencies come from this environment's site-packages; the package itself only from the wheel
    ours = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "torch").is_dir())
    (site / "deps.pth").write_text(f"{ours}\n")
    (wheel,) = wheel_dir.glob("*.whl")
    zipfile.ZipFile(wheel).extractall(site)
    before = _tree(site)
    cli = [str(python), "-m", "a2c_lessons.cli"]
    work = tmp_path / "work"
    work.mkdir()
    refused = subprocess.run([*cli, "release"], cwd=work, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "--source is required" in refused.stderr
    notebooks = str(REPO / "notebooks")
    bundle = [*cli, "release", "--bundle", "course.zip", "--source", str(INSTRUCTOR), "--notebooks", notebooks]
    done = subprocess.run(bundle, cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    submissions = work / "submissions" / "alice"
    submissions.mkdir(parents=True)
    for path in INSTRUCTOR.glob("ex0*.py"):
        shutil.copyfile(path, submissions / path.name)
    unsafe = [] if sandbox.bwrap_works() is None else ["--unsafe-no-sandbox"]  # the sandbox hides the wheel's copy
    grade = [*cli, "grade", "submissions", "--out", "grades", "--source", str(INSTRUCTOR), "--no-hidden", *unsafe]
    done = subprocess.run(grade, cwd=work, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (work / "grades" / "alice.json").is_file() and (work / "course.zip").is_file()
    assert _tree(site) == before, "the installed package changed"
