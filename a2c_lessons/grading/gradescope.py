"""Gradescope: `a2c-lessons autograder --out autograder.zip` builds the zip, and its run_autograder grades.

    autograder.zip
      setup.sh          apt-get update, then Python and bubblewrap; a venv /autograder/venv with the CPU build
                        of torch and this package (once per image)
      run_autograder    /autograder/venv/bin/python -m a2c_lessons.grading.gradescope --root /autograder
                        (once per submission)
      instructor/       the exercises with solutions, the answer keys, the hidden tests
      package/          this package's source, installed by setup.sh

Each submission is graded exactly as `a2c-lessons grade` grades a class of one:
the official tests run in the grader, the student's code in the sandbox (bubblewrap
where the container allows it, else an unprivileged uid), and results.json is
written by the grader. Before grading, the autograder's own files are made
unreadable to other users, so that even the uid sandbox cannot read the keys.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
import tempfile
import traceback
import zipfile
from pathlib import Path

import torch

from a2c_lessons.grading import batch
from a2c_lessons.grading import sandbox as sandboxes
from a2c_lessons.grading.release import ReleaseError, build_release, in_clone
from a2c_lessons.grading.report import crash_results, write_json

PACKAGE_DIR = Path(__file__).resolve().parents[1]
RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this as root in /autograder for every submission, with the Python setup.sh installed.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
exec "${A2C_PYTHON:-$ROOT/venv/bin/python}" -m a2c_lessons.grading.gradescope --root "$ROOT"
"""
SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
# Current Ubuntu images refuse pip installs into the system Python (PEP 668, "externally-managed-
# environment"), so the grader gets a virtual environment of its own, $ROOT/venv, which run_autograder uses.
# A2C_TORCH_INDEX: where the pinned torch comes from (default: PyTorch's CPU builds; Gradescope has no GPU;
# set it empty to use pip's own configuration).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
TORCH_INDEX="${{A2C_TORCH_INDEX-https://download.pytorch.org/whl/cpu}}"
apt-get update
apt-get install -y python3 python3-pip python3-venv bubblewrap
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install "torch=={torch}" ${{TORCH_INDEX:+--index-url "$TORCH_INDEX"}}
"$ROOT/venv/bin/python" -m pip install "$ROOT/source/package"
"""


def build(source: Path, out: Path) -> Path:
    """Write the autograder zip for the instructor folder `source` to `out`; ReleaseError if it is unusable."""
    build_release(source)  # refuses bad solution markers or a missing answer key now, not on Gradescope
    package = PACKAGE_DIR.parent
    version = torch.__version__.split("+")[0]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        _write(zf, "setup.sh", SETUP_SH.format(torch=version))
        _write(zf, "run_autograder", RUN_AUTOGRADER)
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, f"instructor/{path.relative_to(source)}")
        for path in sorted(PACKAGE_DIR.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, f"package/a2c_lessons/{path.relative_to(PACKAGE_DIR)}")
        for name in ("pyproject.toml", "README.md", "LICENSE"):  # pyproject names LICENSE: the build needs it
            if (package / name).is_file():  # a clone of the repository; a wheel install has only the package
                zf.write(package / name, f"package/{name}")
    return out


def _write(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16  # executable, as Gradescope runs them
    zf.writestr(info, text)


def run(root: Path) -> dict:
    """Grade root/submission with root/source/instructor; write root/results/results.json; return it."""
    results_path = root / "results" / "results.json"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        for path in (root / "source", results_path.parent):
            sandboxes.make_private(path)  # the uid sandbox reads what others may: not the keys, not the results
        with tempfile.TemporaryDirectory() as tmp:
            student, out = Path(tmp) / "class" / "student", Path(tmp) / "grades"
            shutil.copytree(root / "submission", student, symlinks=True)
            args = [str(student.parent), "--out", str(out), "--source", str(root / "source" / "instructor")]
            with contextlib.redirect_stdout(io.StringIO()):
                code = batch.main(args)
            if code != 0:
                raise RuntimeError(f"a2c-lessons grade exited with {code}")
            results = json.loads((out / "student.json").read_text())
    except Exception:  # any failure of the grader: score 0, the details hidden from the student
        results = crash_results(traceback.format_exc())
    write_json(results_path, results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="a2c-lessons autograder", description="build Gradescope's autograder zip")
    parser.add_argument("--out", type=Path, default=Path("autograder.zip"), help="the zip to write")
    parser.add_argument("--source", type=Path, default=in_clone("instructor"), help="instructor folder")
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)  # run_autograder: grade one submission
    args = parser.parse_args(argv)
    if args.root is not None:
        results = run(args.root)
        print(f"graded: {results['score']:g} points; results in {args.root / 'results' / 'results.json'}")
        return 0
    if args.source is None:
        print("error: --source is required: this install has no instructor/ folder beside it", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_file():
        print(f"error: --out {str(args.out)!r} is a folder; give the path of a .zip file", file=sys.stderr)
        return 2
    try:
        build(args.source, args.out)
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: upload it as the assignment's autograder on Gradescope")
    return 0


if __name__ == "__main__":
    sys.exit(main())
