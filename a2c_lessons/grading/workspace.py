"""One student's grading: their files taken in safely, then the official tests run on them by a trusted pytest.

`official_files` are the tests every student is graded with: a fresh release of
instructor/ and its hidden tests, written to a folder the sandbox never sees.
`copy_submission` takes the expected names only, regular files only, never through
a symlink, into a folder only that student's sandbox sees; it never writes to the
submissions folder (`checksum` lets the batch show it). `worker.py` then runs the
official tests on that folder.
"""

from __future__ import annotations

import enum
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from a2c_lessons.grading import sandbox as sandboxes
from a2c_lessons.grading import wire
from a2c_lessons.grading.release import ReleaseError, build_release, hidden_tests, is_exercise

PYTEST_INI = "[pytest]\npython_files = test_*.py\n"  # makes the official folder its own rootdir
MAX_FILE_BYTES = 256 * 1024  # an exercise file is a few kB; anything far larger is not an answer


class Outcome(enum.Enum):
    """What a note on one student's grading records: the batch's summary counts these, never the notes' words."""

    MISSING = "missing files"
    IGNORED = "files not part of the assignment"
    STOPPED = "stopped early"
    AUTOGRADER_FAILED = "autograder failure"
    CHANGED = "submission changed while graded"
    RESUMED = "graded in an earlier run"
    WARNING = "sandbox warning"


@dataclass(frozen=True)
class Note:
    """One note for the instructor on a student's grading: its kind, and the words grades.csv shows."""

    outcome: Outcome
    text: str


def official_files(source: Path, *, hidden: bool) -> dict[str, str]:
    """The released tests and keys, the hidden tests and a pytest.ini: the trusted side of every grade."""
    files = build_release(source)
    extra = hidden_tests(source) if hidden else {}
    clash = set(files) & set(extra)
    if clash:
        raise ReleaseError(f"hidden tests share names with released files: {sorted(clash)}")
    return {**files, **extra, "pytest.ini": PYTEST_INI}


def exercise_modules(files: dict[str, str]) -> list[str]:
    """The module names students hand in, e.g. ex04_sequence_utility."""
    return sorted(Path(n).stem for n in files if is_exercise(n))


def submission_folder(folder: Path) -> Path:
    """Where a student's files are: the folder itself, or its exercises/ subfolder if that is where they are."""
    inner = folder / "exercises"
    real = inner.is_dir() and not inner.is_symlink()
    return inner if real and any(wire.is_exercise(p.name) for p in inner.iterdir()) else folder


def _read_regular(path: Path) -> bytes | str:
    """The bytes of a regular file, read without following a symlink; or why it cannot be graded."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        return "is a symbolic link" if path.is_symlink() else f"cannot be read ({err.strerror})"
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file"
        if info.st_size > MAX_FILE_BYTES:
            return f"is larger than {MAX_FILE_BYTES // 1024} kB"
        return f.read(MAX_FILE_BYTES + 1)


def copy_submission(student_dir: Path, modules: list[str], into: Path) -> list[Note]:
    """Copy the expected exercise files into the folder `into`; return notes on what was missing or ignored."""
    sandboxes.make_private(into)
    folder, notes, missing = submission_folder(student_dir), [], []
    for module in modules:
        path = folder / f"{module}.py"
        data = _read_regular(path) if path.exists() or path.is_symlink() else "is missing"
        if isinstance(data, str):
            missing.append(f"{path.name} ({data})" if data != "is missing" else path.name)
            continue
        (into / path.name).write_bytes(data)
    if missing:
        notes.append(Note(Outcome.MISSING, f"missing from the submission (scored 0): {', '.join(missing)}"))
    expected = {f"{m}.py" for m in modules}
    extra = sorted(p.name for p in folder.iterdir() if p.name not in expected and not p.name.startswith("."))
    if extra:
        shown = ", ".join(extra[:8]) + (f" and {len(extra) - 8} more" if len(extra) > 8 else "")
        notes.append(Note(Outcome.IGNORED, f"ignored (not part of the assignment): {shown}"))
    return notes


def checksum(folder: Path) -> str:
    """A digest of every file name, link target and file content under `folder` (links are not followed)."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(root, d))]):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, folder).encode())
            data = _read_regular(Path(path))
            content = os.readlink(path).encode() if os.path.islink(path) else data
            digest.update(content if isinstance(content, bytes) else b"?")
    return digest.hexdigest()
