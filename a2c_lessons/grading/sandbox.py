"""Where student code runs: the runner inside bubblewrap, as an unprivileged uid, or as it is.

    bwrap   (Linux with bubblewrap) new pid, network, ipc, uts and mount namespaces: the runner
            sees the Python environment and the student's own copied files, read-only, and a
            private /tmp; nothing else (not the submissions folder, `instructor/`, the out folder,
            other students, the grader's /proc). It dies with the grader.
    uid     (Linux, root, no bubblewrap: a Gradescope container) the runner drops to an unused
            uid and gid, so it cannot write where the grader writes nor signal the grader; a new
            network namespace where `unshare` allows one. It can read what any user may read.
    none    a plain subprocess: a student's own self-check, or `grade --unsafe-no-sandbox`.

This file owns every decision about who runs as whom and sees what: the uids, the folder
modes of the grader's scratch space, the runner's limits and warm-up (`runner.py` receives
them as JSON and applies them before it loads student code), the clean-up after each
student, and the checks that refuse a machine where the uid mode would leak or fail.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

RUNNER = Path(__file__).with_name("runner.py")
WIRE = RUNNER.with_name("wire.py")  # the runner loads it by path: both files enter the sandbox
LIBRARY_DIR = Path(__file__).resolve().parents[1]
SANDBOX_UID_BASE = 2_000_000_000  # far above any real account: one uid per concurrent student
UIDS_PER_GRADER = 256  # a block of uids per grading process (pids stay below 2**22): --jobs up to 128
_SUBMISSION = "/submission"  # where the runner sees the student's files, and the runner itself, inside bubblewrap
_RUNNER = "/grader/runner.py"
_WIRE = "/grader/wire.py"
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "passwd", "group", "os-release")
MODES = ("bwrap", "uid", "none")
PRIVATE = 0o700  # the grader's alone: official tests, results, the out folder
PASSABLE = 0o711  # a uid may pass through to its own folder below, never list it
STUDENT_DIR = 0o500  # a student's copied files: readable by their sandbox uid alone
STUDENT_FILE = 0o400
WARM_UP = ("sympy", "mpmath", "colorsys")  # what torch imports lazily (autograd, printing): imported before the drop
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1"}  # none of ours
SHARED_TMP = [tempfile.gettempdir(), "/var/tmp", "/dev/shm"]  # where any uid may write: cleaned after each runner


def uid_block(pid: int | None = None) -> int:
    """The first uid of grading process `pid`'s (this one's) block: two graders on one machine never share a uid."""
    return SANDBOX_UID_BASE + (os.getpid() if pid is None else pid) * UIDS_PER_GRADER


def sandbox_pair(mode: str, slot: int) -> list[Sandbox]:
    """Two sandboxes for one batch slot, taken in turns: cleaning up after a student never touches the next one."""
    as_root = mode != "none" and os.geteuid() == 0
    return [Sandbox(mode, uid_block() + 2 * slot + turn if as_root else None) for turn in (0, 1)]


def make_private(folder: Path) -> Path:
    """Create `folder` (and its parents) if it is not there, and close it to every other user; returns it."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE)
    os.chmod(folder, PRIVATE)  # one that was there already too: the uid sandbox reads what others may
    return folder


def lay_out_scratch(scratch: Path) -> None:
    """scratch/official and private (the grader's alone) and inputs (passable: each student's copy below)."""
    os.chmod(scratch, PASSABLE)
    for name, mode in (("inputs", PASSABLE), ("private", PRIVATE), ("official", PRIVATE)):
        (scratch / name).mkdir(mode=mode)


def new_inputs_folder(inputs: Path) -> Path:
    """A fresh, empty folder for one student's copied files, apart from the grader's private results."""
    parent = Path(tempfile.mkdtemp(dir=inputs))
    os.chmod(parent, PASSABLE)  # passable by the student's uid, which will own only `submission` below
    (parent / "submission").mkdir(mode=PRIVATE)
    return parent / "submission"


@dataclass(frozen=True)
class Sandbox:
    """How to start one student's runner: the mode, the uid it runs as, and its limits."""

    mode: str = "none"
    """'bwrap', 'uid' or 'none' (see the module docstring)"""
    uid: int | None = None
    """the uid student code runs as when the grader is root; None keeps the grader's"""
    memory_mb: int = 2048
    """address-space limit of each process in the sandbox"""
    processes: int = 64
    """most processes and threads in the sandbox (only enforced with a uid or user namespace of its own)"""

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"sandbox mode must be one of {MODES}, got {self.mode!r}")
        if self.mode == "uid" and (self.uid is None or os.geteuid() != 0):
            raise ValueError("the uid sandbox needs the grader to run as root and a uid to drop to")

    def runner_setup(self) -> dict:
        """What the runner does before student code: warm up, hold `reach` open, drop to `uid`, cap its resources.

        `reach`: the Python environment's folders the uid cannot pass through to (a Python in root's home)."""
        uid = self.uid if os.geteuid() == 0 and self.mode != "none" else None
        own_ids = uid is not None or (self.mode == "bwrap" and os.geteuid() != 0)  # a uid or a user namespace
        limits = {
            "RLIMIT_AS": self.memory_mb << 20,
            "RLIMIT_FSIZE": 16 << 20,  # bytes
            "RLIMIT_NOFILE": 256,
            "RLIMIT_CORE": 0,
            "RLIMIT_CPU": 600,
        }
        if own_ids:  # counted per uid: only set where the uid (or user namespace) is the sandbox's own
            limits["RLIMIT_NPROC"] = self.processes
        reach = [str(d) for d in python_dirs() if not _passable(d)] if self.mode == "uid" and uid is not None else []
        warm_up = list(WARM_UP) if uid is not None else None  # only a uid drop can put imports out of reach
        return {"uid": uid, "limits": limits, "warm_up": warm_up, "reach": reach}

    def command(self, submission: Path) -> list[str]:
        """The argv that starts the runner on the files in `submission`."""
        setup = ["--setup", json.dumps(self.runner_setup())]
        if self.mode == "bwrap":
            return [*bwrap_prefix(submission), sys.executable, "-I", "-B", _RUNNER, _SUBMISSION, *setup]
        runner = [sys.executable, "-I", "-B", str(RUNNER), str(submission), *setup]
        return [*_no_network(), *runner] if self.mode == "uid" else runner

    def environment(self) -> dict[str, str] | None:
        """The runner's environment variables: none of the grader's (its secrets) in a sandbox; all in 'none'."""
        return dict(CLEAN_ENV) if self.mode != "none" else None

    def prepare(self, submission: Path) -> None:
        """Give the student's copied files to the sandbox's uid: readable by it alone."""
        if self.uid is None or os.geteuid() != 0 or self.mode == "none":
            return
        for path in [submission, *submission.iterdir()]:
            os.chown(path, self.uid, self.uid)
            os.chmod(path, STUDENT_DIR if path.is_dir() else STUDENT_FILE)

    def kill_all(self) -> None:
        """As the sandbox's uid (so that nothing else is reached): kill its processes, remove its files in /tmp."""
        if self.uid is None or os.geteuid() != 0 or self.mode == "none":
            return
        clean_up = json.dumps({"uid": self.uid, "shared": SHARED_TMP})
        subprocess.run(
            [sys.executable, "-I", "-B", str(RUNNER), "--clean-up", clean_up], capture_output=True, timeout=60
        )


def _bind_dirs() -> list[Path]:
    """The folders the runner needs: the interpreter, its standard library and the site-packages."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    dirs = sorted({Path(os.path.realpath(p)) for p in roots if os.path.isdir(p)} | set(python_dirs()))
    outside_usr = [d for d in dirs if not d.is_relative_to("/usr")]  # /usr is bound whole; so is each outermost
    return [d for d in outside_usr if not any(d != o and d.is_relative_to(o) for o in outside_usr)]


def bwrap_prefix(submission: Path) -> list[str]:
    """bwrap's options: namespaces, a read-only system and Python, the student's files, a private /tmp."""
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        args.append("--unshare-user")
    args += ["--die-with-parent", "--new-session", "--clearenv"]
    for name, value in CLEAN_ENV.items():
        args += ["--setenv", name, value]
    args += ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "lib", "lib64", "sbin"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    # the private /tmp first: an environment that lives under /tmp is bound on top of it, not hidden by it
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(64 << 20), "--tmpfs", "/tmp"]
    python_dirs = _bind_dirs()
    parents = {parent for d in python_dirs for parent in d.parents if parent != Path("/")}
    for parent in sorted(parents, key=lambda p: len(p.parts)):  # outermost first; bwrap's own 0700 stops a uid
        args += ["--perms", "0755", "--dir", str(parent)]
    for folder in python_dirs:
        args += ["--ro-bind", str(folder), str(folder)]
    if any(LIBRARY_DIR.is_relative_to(d) for d in [*python_dirs, Path("/usr")]):
        args += ["--perms", "0555", "--tmpfs", str(LIBRARY_DIR)]  # installed from a wheel: hide the library
    args += ["--perms", "0755", "--dir", "/grader", "--ro-bind", str(RUNNER), _RUNNER, "--ro-bind", str(WIRE), _WIRE]
    args += ["--ro-bind", str(submission), _SUBMISSION]
    if os.geteuid() == 0:  # the runner drops to the sandbox uid itself, before any student code
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return [*args, "--chdir", "/tmp", "--"]


@functools.cache
def _no_network() -> tuple[str, ...]:
    """`unshare --net --ipc` where this machine allows it (root outside a locked-down container)."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "--net", "--ipc", "true"], capture_output=True).returncode == 0:
        return (unshare, "--net", "--ipc")
    return ()


@functools.cache
def bwrap_works() -> str | None:
    """None if bubblewrap runs here with the namespaces we ask for, else why not."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = [*bwrap_prefix(RUNNER.parent), sys.executable, "-I", "-c", "pass"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "bubblewrap did not start within 60 s"
    if done.returncode:
        return f"bubblewrap cannot create its namespaces here: {done.stderr.strip()[:200]}"
    return None


def detect(*, allow_unsafe: bool = False, force: str | None = None) -> tuple[str, str | None]:
    """The strongest mode this machine allows, or the mode `force` names: ('bwrap' | 'uid' | 'none', a warning).

    Raises RuntimeError (one line, naming what is missing) if no sandbox is possible and not `allow_unsafe`,
    or if the forced mode cannot run here.
    """
    why_not = bwrap_works()
    as_root = sys.platform.startswith("linux") and os.geteuid() == 0
    if force == "bwrap" and why_not is not None:
        raise RuntimeError(f"--sandbox bwrap: {why_not}")
    if force == "uid" and not as_root:
        raise RuntimeError("--sandbox uid needs Linux and the grader running as root (to drop to another uid)")
    if force is not None:
        return force, None
    if why_not is None:
        return "bwrap", None
    if as_root:
        return "uid", f"{why_not}; student code runs as an unprivileged uid instead"
    if allow_unsafe:
        return "none", f"UNSAFE: graded without a sandbox ({why_not}); student code could forge its grade"
    raise RuntimeError(
        f"no sandbox for student code: {why_not}, and the grader is not root (which would allow an "
        "unprivileged uid); install bubblewrap, or pass --unsafe-no-sandbox for trusted submissions only"
    )


def python_dirs() -> list[Path]:
    """The folders the runner imports from: the standard library, its extension modules, the site-packages."""
    paths = sysconfig.get_paths()
    found = {paths["stdlib"], paths["platstdlib"], paths["purelib"], paths["platlib"]}
    found.add(os.path.join(paths["platstdlib"], "lib-dynload"))
    found |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    return sorted({Path(os.path.realpath(p)) for p in found if os.path.isdir(p)})


def _passable(folder: Path, entries: frozenset[Path] = frozenset()) -> bool:
    """Whether another uid can pass from / (or from one of the folders `entries`) down into `folder`."""
    for step in (folder, *folder.parents):
        if not step.stat().st_mode & 0o001:
            return False
        if step in entries:
            return True
    return True


def _entries(held: list[Path]) -> frozenset[Path]:
    """The folders the runner holds open, and the ancestors it can climb to from them with '..'."""
    found = set()
    for folder in held:
        found.add(folder)
        for child, parent in zip((folder, *folder.parents), folder.parents):
            if not child.stat().st_mode & 0o001:
                break
            found.add(parent)
    return frozenset(found)


def readable_by_others(paths: list[Path], held: list[Path] = ()) -> list[str]:
    """The folders a uid-sandboxed student could reach, from / or from a folder `held` open across the drop."""
    entries = _entries([Path(h) for h in held])
    return [str(p) for p in paths if p.exists() and _passable(p.resolve(), entries)]


def uid_mode_problem(private: list[Path]) -> str | None:
    """Without bubblewrap only permissions keep student code out: `private` (instructor files, submissions, out)
    closed to others, the temporary folder passable, the Python environment's folders readable by the uid."""
    tmp = Path(tempfile.gettempdir()).resolve()
    if not _passable(tmp):
        return f"without bubblewrap, student code must pass through {tempfile.gettempdir()}: set TMPDIR to /tmp"
    for folder in python_dirs():
        if folder.stat().st_mode & 0o005 != 0o005:
            return (
                f"without bubblewrap, student code runs as another uid, which cannot read the Python "
                f"environment's {folder}: run `chmod o+rx {folder}`, or install bubblewrap"
            )
    exposed = readable_by_others(private, [d for d in python_dirs() if not _passable(d)])
    if exposed:
        return (
            f"without bubblewrap, student code runs as another uid and can read what others may read: "
            f"run `chmod o-rwx {' '.join(exposed)}` first, or install bubblewrap"
        )
    return None
