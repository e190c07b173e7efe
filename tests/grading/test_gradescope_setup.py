"""The Gradescope zip installed as Gradescope installs it: setup.sh into a fake /autograder, then run_autograder.

setup.sh runs for real against a fake root (AUTOGRADER_ROOT): `apt-get` is a stub that
logs its calls (no system packages change), and pip installs into the venv setup.sh
makes, from the package registries pip is configured with, torch from the local CPU
wheel (A2C_TORCH_INDEX empty: pip's own configuration). Then run_autograder, with no
A2C_PYTHON, grades the reference answers and a forging submission with that venv.
A slow test (a fresh venv with every dependency), like the install tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import torch

from a2c_lessons.grading import gradescope
from tests.helpers import local_torch_wheels
from tests.security.conftest import ATTACKS, REPO, hand_in
from tests.security.support import require_sandbox

pytestmark = pytest.mark.timeout(3600)  # a fresh venv with every dependency: minutes, more under load
APT_STUB = '#!/bin/sh\necho "$*" >> "$APT_LOG"\n'


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A fake /autograder after setup.sh: source/ from the zip, venv/ from setup.sh."""
    wheels = local_torch_wheels()
    if wheels is None:
        pytest.skip("no CPU torch wheel in pip's find-links: the venv would download the CUDA build")
    base = tmp_path_factory.mktemp("gradescope")
    root, stubs = base / "autograder", base / "stubs"
    stubs.mkdir()
    (stubs / "apt-get").write_text(APT_STUB)
    os.chmod(stubs / "apt-get", 0o755)
    assert gradescope.main(["--out", str(base / "autograder.zip")]) == 0
    zipfile.ZipFile(base / "autograder.zip").extractall(root / "source")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "A2C_TORCH_INDEX": "", "PIP_FIND_LINKS": wheels}
    env |= {"PATH": f"{stubs}:{os.environ['PATH']}", "APT_LOG": str(base / "apt.log")}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True, timeout=1500
    )
    assert done.returncode == 0, done.stderr[-3000:]
    root.joinpath("apt.log").write_text((base / "apt.log").read_text())
    return root


def test_setup_updates_the_package_lists_before_it_installs(root):
    calls = (root / "apt.log").read_text().splitlines()
    assert calls[0] == "update" and calls[1].startswith("install -y") and "bubblewrap" in calls[1]


def test_setup_installs_into_a_venv_under_the_root_with_the_cpu_torch(root):
    python = root / "venv" / "bin" / "python"
    code = "import a2c_lessons, torch; print(a2c_lessons.__file__); print(torch.__version__)"
    done = subprocess.run([python, "-c", code], cwd=root, capture_output=True, text=True, check=True)  # not the clone
    where, version = done.stdout.split()
    assert Path(where).is_relative_to(root / "venv"), "the grader must run the installed copy, not the repository"
    assert version == torch.__version__ and "+cpu" in version
    setup = (root / "source" / "setup.sh").read_text()
    assert "python3 -m pip" not in setup  # the system pip is never used (PEP 668)


def _run_autograder(root: Path, base: Path, overlay: dict[str, str]) -> dict:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    hand_in(root / "submission", base, overlay)
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("A2C_PYTHON", "VIRTUAL_ENV")}
    env["AUTOGRADER_ROOT"] = str(root)
    done = subprocess.run(
        [str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_gives_the_reference_full_marks_with_the_venv(root):
    require_sandbox()
    results = _run_autograder(root, REPO / "instructor", {})
    assert results["score"] == results["extra_data"]["max_score"] > 0
    assert all(t["status"] == "passed" for t in results["tests"])


def test_run_autograder_ignores_a_forged_results_json(root):
    require_sandbox()
    attack = (ATTACKS / "atexit_results" / "ex04_sequence_utility.py").read_text()
    attack = attack.replace("{{OUT}}", str(root / "results")).replace("{{SCRATCH}}", str(root))
    results = _run_autograder(root, REPO / "exercises", {"ex04_sequence_utility.py": attack})
    assert results["score"] <= 1 and "public tests passed" in results["output"]
