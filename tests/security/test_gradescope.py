"""Gradescope's autograder zip, unpacked into a fake /autograder and run on an honest and a forging submission."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from a2c_lessons.grading import gradescope
from tests.security.conftest import ATTACKS, REPO, hand_in
from tests.security.support import require_sandbox


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    assert gradescope.main(["--out", str(out)]) == 0
    return out


def run_autograder(zip_path: Path, root: Path, submission: dict[str, str], base: Path) -> dict:
    """Lay out /autograder as Gradescope does (source/, submission/, results/) and run run_autograder there."""
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)
    hand_in(root / "submission", base, submission)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "A2C_PYTHON": sys.executable}
    done = subprocess.run(
        [str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_what_gradescope_runs(autograder_zip):
    names = zipfile.ZipFile(autograder_zip).namelist()
    assert {"setup.sh", "run_autograder", "instructor/answer_keys.py", "package/pyproject.toml"} <= set(names)
    assert "package/a2c_lessons/grading/runner.py" in names and not any("__pycache__" in n for n in names)
    setup = zipfile.ZipFile(autograder_zip).read("setup.sh").decode()
    assert "bubblewrap" in setup and "download.pytorch.org/whl/cpu" in setup


def test_run_autograder_gives_the_reference_full_marks(autograder_zip, tmp_path):
    require_sandbox()
    results = run_autograder(autograder_zip, tmp_path / "autograder", {}, REPO / "instructor")
    assert results["score"] == results["extra_data"]["max_score"] > 0
    assert all(t["status"] == "passed" for t in results["tests"])


def test_run_autograder_ignores_a_forged_results_json(autograder_zip, tmp_path):
    require_sandbox()
    root = tmp_path / "autograder"
    attack = (ATTACKS / "atexit_results" / "ex04_sequence_utility.py").read_text()
    attack = attack.replace("{{OUT}}", str(root / "results")).replace("{{SCRATCH}}", str(root))
    results = run_autograder(autograder_zip, root, {"ex04_sequence_utility.py": attack}, REPO / "exercises")
    assert results["score"] <= 1 and "all passed" not in results["output"]
    assert "public tests passed" in results["output"]
