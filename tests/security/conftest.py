"""One class of hostile students, graded once by `a2c-lessons grade`, and everything the attacks could have touched.

The class: three honest classmates (`reference`, `stubs`, `partial`) and one student
per folder of `submissions/`, whose files are laid over the shipped stubs (or over
the reference solutions, for the misbehaving students whose other work is honest).
Before grading, the attacks learn the real paths they would like to reach (the out
folder, a classmate's file, the instructor folder, a canary file, a port on this
machine): `{{OUT}}` and friends in their sources are replaced by them, so each
attack is the best its kind can do. The classmates are also graded alone, first,
so that "their grade is unchanged" has something to be compared with.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from a2c_lessons.grading import batch, sandbox
from a2c_lessons.grading.release import exercise_files
from a2c_lessons.grading.workspace import checksum
from tests.security.support import SANDBOX_MODES, require_sandbox

REPO = Path(__file__).resolve().parents[2]
ATTACKS = Path(__file__).parent / "submissions"
HONEST_ELSEWHERE = {  # laid over the reference solutions: only the attacked exercise may lose points
    "stray_random", "stray_library_name", "alarm_disabled_loop", "swallow_everything_loop", "segfault",
    "memory_bomb", "output_bomb", "disk_bomb", "misbehaving",
}  # fmt: skip
CLASSMATES = ("reference", "stubs", "partial")
ESCAPEE = "a2c-escapee"
TEST_TIMEOUT_S = 3


class Listener:
    """A TCP server on 127.0.0.1 that records whatever reaches it (nothing should)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port, self.received = self.server.getsockname()[1], []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                self.received.append(conn.recv(1 << 16))


@dataclass
class ClassRun:
    mode: str  # the sandbox the class was graded in
    out: Path
    submissions: Path
    source: Path
    canary: Path
    results: dict[str, dict]  # student -> results.json
    alone: dict[str, dict]  # classmate -> results.json when graded alone
    csv_text: str
    before: dict[str, str]  # path -> checksum of what must not change
    after: dict[str, str]
    listener: Listener
    secret: str
    stdout: str
    escapees: list[str]
    pwned: list[str]


def hand_in(folder: Path, base: Path, overlay: dict[str, str]) -> None:
    """A student folder: the base's ex*.py files, then `overlay` (name -> text) over them."""
    folder.mkdir(parents=True)
    for path in exercise_files(base):
        shutil.copyfile(path, folder / path.name)
    for name, text in overlay.items():
        (folder / name.removesuffix(".txt")).write_text(text)


def grade(submissions: Path, out: Path, source: Path, *extra: str) -> str:
    stdout = io.StringIO()
    args = [
        str(submissions),
        "--out",
        str(out),
        "--source",
        str(source),
        "--jobs",
        "2",
        "--timeout",
        "120",
        "--test-timeout",
        str(TEST_TIMEOUT_S),
        *extra,
    ]
    with contextlib.redirect_stdout(stdout):
        assert batch.main(args) == 0
    return stdout.getvalue()


def escapees(grader: int | None = None) -> list[str]:
    """Command lines of processes left by the attacks of grading process `grader` (this one): running as one of its
    sandbox uids, or marked where the sandbox has no uid of its own (other graders on this machine are not ours)."""
    block = sandbox.uid_block(grader)
    ours = range(block, block + sandbox.UIDS_PER_GRADER)
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            uid = Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0]
        except (OSError, IndexError):
            continue
        if int(uid) in ours or (ESCAPEE in cmdline and os.geteuid() != 0):
            found.append(f"{pid} uid {uid}: {cmdline[:120]}")
    return found


def snapshot(paths: list[Path]) -> dict[str, str]:
    return {str(p): checksum(p) if p.is_dir() else p.read_text() for p in paths}


@pytest.fixture(scope="session", params=SANDBOX_MODES)
def class_run(request, tmp_path_factory) -> ClassRun:
    mode = request.param
    require_sandbox(mode)
    root = tmp_path_factory.mktemp(f"security-{mode}")
    source = root / "instructor"
    shutil.copytree(REPO / "instructor", source)
    canary = root / "canary" / "canary.txt"
    canary.parent.mkdir()
    canary.write_text("untouched\n")
    reference, stubs = REPO / "instructor", REPO / "exercises"
    partial = {"ex05_a2c_loss.py": (REPO / "tests" / "wrong" / "flipped_sign.py").read_text()}
    # the classmates graded alone: what their grade must stay
    alone_subs, alone_out = root / "alone", root / "alone-grades"
    for name, base, overlay in (("reference", reference, {}), ("stubs", stubs, {}), ("partial", reference, partial)):
        hand_in(alone_subs / name, base, overlay)
    grade(alone_subs, alone_out, source, "--sandbox", mode)
    alone = {name: json.loads((alone_out / f"{name}.json").read_text()) for name in CLASSMATES}
    # the class with the attackers
    submissions, out = root / "submissions", root / "grades"
    shutil.copytree(alone_subs, submissions)
    listener, secret = Listener(), secrets.token_hex(8)
    paths = {
        "{{OUT}}": str(out), "{{SCRATCH}}": "/tmp", "{{SOURCE}}": str(source), "{{PORT}}": str(listener.port),
        "{{CLASSMATE}}": str(submissions / "reference" / "ex04_sequence_utility.py"),
        "{{CLASSMATE_GRADES}}": str(out / "reference.json"), "{{CANARY}}": str(canary),
    }  # fmt: skip
    for folder in sorted(ATTACKS.iterdir()):
        files = {}
        for path in folder.iterdir():
            text = path.read_text()
            for placeholder, value in paths.items():
                text = text.replace(placeholder, value)
            files[path.name] = text
        hand_in(submissions / folder.name, reference if folder.name in HONEST_ELSEWHERE else stubs, files)
    plant_links(submissions)
    watched = [submissions, source, canary.parent]
    before = snapshot(watched)
    pwned_before = set(Path("/tmp").glob("a2c-pwned*"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("A2C_TEST_SECRET", secret)
        stdout = grade(submissions, out, source, "--sandbox", mode)
    left = escapees()
    results = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json") if not p.name.startswith(".")}
    pwned = [str(p) for p in set(Path("/tmp").glob("a2c-pwned*")) - pwned_before]
    return ClassRun(
        mode,
        out,
        submissions,
        source,
        canary,
        results,
        alone,
        (out / "grades.csv").read_text(),
        before,
        snapshot(watched),
        listener,
        secret,
        stdout,
        left,
        pwned,
    )


def plant_links(submissions: Path) -> None:
    """Students whose files are symlinks or FIFOs: made here, since git keeps neither well."""
    classmate = submissions / "reference"
    for name, target in (
        ("symlink_to_classmate", classmate / "ex04_sequence_utility.py"),
        ("symlink_to_etc", Path("/etc/passwd")),
    ):
        folder = submissions / name
        hand_in(folder, REPO / "exercises", {})
        exercise = "ex04_sequence_utility.py" if name == "symlink_to_classmate" else "ex06_actor_critic_roles.py"
        (folder / exercise).unlink()
        (folder / exercise).symlink_to(target)
    folder = submissions / "exercises_dir_symlink"
    hand_in(folder, REPO / "exercises", {})
    (folder / "exercises").symlink_to(classmate, target_is_directory=True)
    folder = submissions / "fifo_file"
    hand_in(folder, REPO / "exercises", {})
    (folder / "ex19_update_order.py").unlink()
    os.mkfifo(folder / "ex19_update_order.py")
