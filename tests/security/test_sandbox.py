"""The sandbox seen from inside, and the batch seen from outside: what student code can reach, and what survives.

A probe "student" reports what it can see and do as plain data; the tests check the
answers against what the design promises for each mode. The batch tests plant a
symlink in the out folder and kill a batch half-way, then resume it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from a2c_lessons.grading import Submission
from a2c_lessons.grading.sandbox import LIBRARY_DIR, Sandbox, bwrap_prefix, uid_block
from tests.security.conftest import REPO, escapees, hand_in
from tests.security.support import require_sandbox

PROBE = """
import os, socket, subprocess, sys


def can(action):
    try:
        action()
        return True
    except BaseException:
        return False


def look(repo, library, grader_file):
    return {
        "uid": os.getuid(),
        "sees_repo": os.path.exists(repo + "/instructor"),
        "sees_library": os.path.exists(library + "/losses.py"),
        "imports_library": can(lambda: __import__("a2c_" + "lessons.losses")),  # past the static check
        "reads_grader_file": can(lambda: open(grader_file).read()),
        "writes_tmp": can(lambda: open("/tmp/x", "w").write("x")),
        "writes_submission": can(lambda: open(os.path.dirname(__file__) + "/x", "w").write("x")),
        "network": can(lambda: socket.create_connection(("127.0.0.1", 22), timeout=1)),
        "udp": can(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53))),
        "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "pid": os.getpid(),
        "spawn": can(lambda: subprocess.run(["/bin/true"], check=True)),
    }


def daemon():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)  # a2c-escapee"], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return True
"""


def probe(tmp_path: Path, box: Sandbox, grader_file: Path) -> dict:
    folder = tmp_path / "inputs" / "submission"
    folder.mkdir(parents=True)
    (folder / "ex90_probe.py").write_text(PROBE)
    box.prepare(folder)
    submission = Submission(folder, box)
    try:
        return submission.call("ex90_probe", "look", str(REPO), str(LIBRARY_DIR), str(grader_file))
    finally:
        submission.close()


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "grader-only.txt"
    path.write_text("answer keys")
    return path


def test_bubblewrap_shows_student_code_nothing_but_its_own_files(tmp_path, secret_file):
    require_sandbox()
    uid = uid_block() + 7 if os.geteuid() == 0 else None
    seen = probe(tmp_path, Sandbox("bwrap", uid), secret_file)
    assert not seen["sees_repo"] and not seen["sees_library"] and not seen["imports_library"]
    assert not seen["reads_grader_file"] and not seen["writes_submission"] and seen["writes_tmp"]
    assert not seen["network"] and not seen["udp"]
    assert len(seen["processes"]) <= 3 and seen["pid"] <= 3  # a pid namespace: bwrap's init and the runner
    if uid is not None:
        assert seen["uid"] == uid


@pytest.mark.skipif(os.geteuid() != 0 or not sys.platform.startswith("linux"), reason="the uid sandbox needs root")
def test_the_uid_fallback_drops_privileges_and_the_network(secret_file):
    root = Path(tempfile.mkdtemp())  # pytest's own tmp folders are 0700: a uid could not pass through them
    try:
        os.chmod(root, 0o711)
        (root / "inputs").mkdir(mode=0o711)
        os.chmod(secret_file, 0o600)
        seen = probe(root, Sandbox("uid", uid_block() + 8), secret_file)
    finally:
        shutil.rmtree(root)
    assert seen["uid"] == uid_block() + 8
    assert not seen["reads_grader_file"] and not seen["writes_submission"]
    assert not seen["network"]


def test_processes_started_in_the_sandbox_die_with_it(tmp_path):
    require_sandbox()
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex90_probe.py").write_text(PROBE)
    box = Sandbox("bwrap", uid_block() + 9 if os.geteuid() == 0 else None)
    box.prepare(folder)
    submission = Submission(folder, box)
    assert submission.call("ex90_probe", "daemon") is True
    time.sleep(0.5)
    assert any("a2c-escapee" in line for line in escapees())
    submission.close()
    time.sleep(0.5)
    assert escapees() == []


def test_bwrap_command_binds_no_repository_folder():
    require_sandbox()
    args = bwrap_prefix(Path("/nonexistent/submission"))
    bound = [args[i + 1] for i, a in enumerate(args) if a in ("--ro-bind", "--bind")]
    inside = [Path(p).resolve() for p in bound if Path(p).resolve().is_relative_to(REPO)]
    allowed = {REPO / ".venv", LIBRARY_DIR / "grading" / "runner.py", LIBRARY_DIR / "grading" / "wire.py"}
    assert all(path in allowed for path in inside), inside  # the environment and the runner, never instructor/


# ---------------------------------------------------------------- the batch from outside


def _class(root: Path, n: int) -> Path:
    submissions = root / "submissions"
    for i in range(n):
        hand_in(submissions / f"student{i}", REPO / "instructor", {})
    return submissions


def _grade(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "a2c_lessons.cli", "grade", *args, "--test-timeout", "5"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def test_a_symlink_planted_in_the_out_folder_is_replaced_not_followed(tmp_path):
    require_sandbox()
    submissions, out = _class(tmp_path, 1), tmp_path / "grades"
    canary = tmp_path / "canary.txt"
    canary.write_text("untouched\n")
    out.mkdir()
    (out / "student0.json").symlink_to(canary)
    (out / "grades.csv").symlink_to(canary)
    done = _grade(str(submissions), "--out", str(out), "--overwrite")
    assert done.returncode == 0, done.stderr
    assert canary.read_text() == "untouched\n"
    assert not (out / "student0.json").is_symlink() and json.loads((out / "student0.json").read_text())["score"] > 0


def test_a_killed_batch_keeps_what_it_graded_and_resume_finishes_it(tmp_path):
    require_sandbox()
    submissions, out = _class(tmp_path, 3), tmp_path / "grades"
    cmd = [sys.executable, "-m", "a2c_lessons.cli", "grade", str(submissions), "--out", str(out), "--test-timeout", "5"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not (out / "student0.json").is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole grader at once, as a crash or an OOM kill would
    proc.wait()
    first = (out / "student0.json").read_text()
    time.sleep(1.5)  # the orphaned trusted pytest notices its parent is gone, and takes its sandbox with it
    assert escapees(proc.pid) == []
    assert _grade(str(submissions), "--out", str(out)).returncode == 2  # not empty: --resume or --overwrite
    done = _grade(str(submissions), "--out", str(out), "--resume")
    assert done.returncode == 0, done.stderr
    assert (out / "student0.json").read_text() == first
    rows = (out / "grades.csv").read_text().splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == ["student0", "student1", "student2"]
    assert "graded in an earlier run" in rows[0]


def test_resume_refuses_a_run_made_with_other_instructor_files(tmp_path):
    require_sandbox()
    submissions, out = _class(tmp_path, 1), tmp_path / "grades"
    assert _grade(str(submissions), "--out", str(out), "--no-hidden").returncode == 0
    done = _grade(str(submissions), "--out", str(out), "--resume")
    assert done.returncode == 2 and "same instructor files" in done.stderr


def test_no_sandbox_means_no_grade_unless_asked_for_and_then_every_report_says_so(tmp_path, monkeypatch, capsys):
    from a2c_lessons.grading import batch, sandbox

    monkeypatch.setattr(sandbox, "bwrap_works", lambda: "bubblewrap needs Linux; this is darwin")
    monkeypatch.setattr(sandbox.sys, "platform", "darwin")
    submissions, out = _class(tmp_path, 1), tmp_path / "out"
    assert batch.main([str(submissions), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no sandbox for student code" in err and "--unsafe-no-sandbox" in err and not out.exists()
    assert batch.main([str(submissions), "--out", str(out), "--unsafe-no-sandbox", "--test-timeout", "5"]) == 0
    results = json.loads((out / "student0.json").read_text())
    assert results["output"].startswith("UNSAFE: graded without a sandbox") and results["score"] > 0


# ---------------------------------------------------------------- the uid mode with a Python others cannot reach


def locked_python(root: Path) -> Path:
    """A Python whose environment sits in a folder no other user may enter (a venv under a 0700 folder).

    It borrows this environment's packages (torch, pytest, the library) through a .pth file, as a pyenv or
    conda Python in root's home has its own; its standard library is the base interpreter's.
    """
    locked = root / "locked"
    locked.mkdir(mode=0o700)
    os.chmod(locked, 0o700)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(locked / "env")], check=True)
    python = locked / "env" / "bin" / "python"
    ours = [p for p in sys.path if p.endswith("site-packages")]
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in ours)
    (_site_packages(python) / "borrowed.pth").write_text(lines)
    return python


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip())


def _grade_with(python: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    """`grade --sandbox uid` run by `python`, on root/submissions, with a copy of instructor/ others cannot read."""
    shutil.copytree(REPO / "instructor", root / "instructor", ignore=shutil.ignore_patterns("__pycache__"))
    cmd = [str(python), "-m", "a2c_lessons.cli", "grade", str(root / "submissions"), "--out", str(root / "grades")]
    cmd += ["--source", str(root / "instructor")]
    cmd += ["--sandbox", "uid", "--test-timeout", "10", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=root)


def test_the_uid_mode_gives_the_reference_full_marks_with_a_python_others_cannot_reach(tmp_path):
    require_sandbox("uid")
    python = locked_python(tmp_path)
    _class(tmp_path, 1)
    done = _grade_with(python, tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "grades" / "student0.json").read_text())
    failed = [(t["name"], t["output"]) for t in results["tests"] if t["status"] != "passed"]
    assert failed == [] and results["score"] == results["extra_data"]["max_score"] > 0


def test_grade_refuses_in_one_line_where_the_uid_cannot_read_the_python_at_all(tmp_path):
    require_sandbox("uid")
    python = locked_python(tmp_path)
    site = _site_packages(python)
    os.chmod(site, 0o700)
    _class(tmp_path, 1)
    done = _grade_with(python, tmp_path)
    assert done.returncode == 2 and not (tmp_path / "grades").exists()
    assert done.stderr.count("\n") == 1 and str(site) in done.stderr, done.stderr
    assert "cannot read the Python environment's" in done.stderr and "install bubblewrap" in done.stderr
