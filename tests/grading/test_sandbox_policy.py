"""One file owns the sandbox's decisions: who runs as whom, with which limits, and what it may read.

These tests need no sandbox: they read the grading package's source, and check the
decisions `sandbox.py` makes (the runner's set-up, the folders a uid could reach).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from a2c_lessons.grading import sandbox
from a2c_lessons.grading.sandbox import Sandbox, readable_by_others

GRADING = Path(sandbox.__file__).parent
DECISIONS = re.compile(r"chown|chmod|setresuid|setgroups|RLIMIT_")


def test_every_permission_uid_and_limit_decision_is_in_sandbox_py():
    """grep -n "chown|chmod|setresuid|setgroups|RLIMIT_" finds sandbox.py, and the runner applying its set-up."""
    found = {}
    for path in sorted(GRADING.glob("*.py")):
        lines = [line.strip() for line in path.read_text().splitlines() if DECISIONS.search(line)]
        if lines:
            found[path.name] = lines
    assert set(found) == {"sandbox.py", "runner.py"}, sorted(found)
    # the runner only applies what sandbox.py passed it: the uid drop, never a limit or a mode of its own
    assert found["runner.py"] == ["os.setgroups([])", "os.setresuid(uid, uid, uid)"]
    assert "RLIMIT_" not in (GRADING / "runner.py").read_text()
    assert not re.search(r"0o[0-7]{3}", "".join((GRADING / n).read_text() for n in ("batch.py", "workspace.py")))


def test_the_runner_setup_caps_processes_only_with_a_uid_of_its_own():
    plain = Sandbox("none").runner_setup()
    assert plain["uid"] is None and plain["reach"] == [] and plain["warm_up"] is None
    assert "RLIMIT_NPROC" not in plain["limits"] and plain["limits"]["RLIMIT_AS"] == 2048 * 1024 * 1024
    if os.geteuid() == 0:
        boxed = Sandbox("uid", sandbox.uid_block() + 5, processes=7).runner_setup()
        assert boxed["uid"] == sandbox.uid_block() + 5 and boxed["limits"]["RLIMIT_NPROC"] == 7
        assert {"sympy", "mpmath"} <= set(boxed["warm_up"])
        held = [Path(p) for p in boxed["reach"]]
        assert all(p in sandbox.python_dirs() for p in held)


def test_a_sandboxed_runner_gets_none_of_the_graders_environment(monkeypatch):
    monkeypatch.setenv("A2C_GRADER_TOKEN", "secret")
    assert Sandbox("none").environment() is None  # a self-check: the student's own environment
    boxed = Sandbox("bwrap").environment()
    assert "A2C_GRADER_TOKEN" not in boxed and boxed["PATH"] == "/usr/bin:/bin"


def test_two_sandboxes_per_slot_with_uids_apart_from_every_other_slot():
    boxes = [box for slot in range(3) for box in sandbox.sandbox_pair("bwrap", slot)]
    uids = [box.uid for box in boxes]
    if os.geteuid() == 0:
        assert sorted(uids) == list(range(sandbox.uid_block(), sandbox.uid_block() + 6))
        assert sandbox.uid_block(os.getpid() + 1) == sandbox.uid_block() + sandbox.UIDS_PER_GRADER
    else:
        assert uids == [None] * 6
    assert [box.uid for box in sandbox.sandbox_pair("none", 0)] == [None, None]


def test_a_folder_held_across_the_uid_drop_opens_its_locked_parents_subtree_but_no_further(tmp_path):
    locked = tmp_path / "locked"
    held, secret, other = locked / "env" / "lib", locked / "env" / "keys", locked / "other"
    for folder in (held, secret, other):
        folder.mkdir(parents=True)
    os.chmod(locked, 0o700)
    for folder in (locked / "env", held, secret, other):
        os.chmod(folder, 0o755)
    assert readable_by_others([secret, other]) == []
    # '..' from the held folder climbs to env (passable), whose keys/ is then open; locked/ still stops it
    assert readable_by_others([secret, other], [held]) == [str(secret)]


def test_a_forced_mode_that_cannot_run_here_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_works", lambda: "bubblewrap is not installed")
    with pytest.raises(RuntimeError, match="^--sandbox bwrap: bubblewrap is not installed$"):
        sandbox.detect(force="bwrap")
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    with pytest.raises(RuntimeError, match="^--sandbox uid needs Linux and the grader running as root"):
        sandbox.detect(force="uid")


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid sandbox needs root")
def test_after_a_student_the_sandbox_uid_leaves_nothing_in_the_shared_tmp():
    uid = sandbox.uid_block() + 11
    left = [Path(sandbox.SHARED_TMP[0]) / f"a2c-left-{n}" for n in range(2)]
    left[0].write_text("x")
    left[1].mkdir()
    (left[1] / "inner").write_text("x")
    for path in (left[0], left[1], left[1] / "inner"):
        os.chown(path, uid, uid)
    kept = Path(sandbox.SHARED_TMP[0]) / "a2c-kept-by-root"
    kept.write_text("x")
    try:
        Sandbox("uid", uid).kill_all()
        assert not left[0].exists() and not left[1].exists() and kept.exists()
    finally:
        kept.unlink()
