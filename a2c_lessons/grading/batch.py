"""`a2c-lessons grade SUBMISSIONS_DIR`: grade a class, each student's code in a sandbox.

    SUBMISSIONS_DIR/alice/ex06_actor_critic_roles.py ...   (or alice/exercises/ex06_...)
    -> OUT/alice.json (Gradescope results.json), OUT/grades.csv (one row per student)

Each student is graded as `workspace.py` describes (their files copied, the official
tests run by a trusted pytest, their code in the sandbox of `sandbox.py`), `--jobs`
at a time, each with a uid of its own. OUT/alice.json and grades.csv are written
atomically as soon as a student is done, so a killed batch keeps what it graded and
`--resume` goes on from there. The submissions folder is checksummed before and
after each student, and never written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import queue
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from a2c_lessons.grading import sandbox as sandboxes
from a2c_lessons.grading.plugin import DEFAULT_TIMEOUT_S
from a2c_lessons.grading.release import in_clone
from a2c_lessons.grading.report import (
    AUTOGRADER_FAILED,
    crash_results,
    grades_csv,
    write_atomic,
    write_json,
)
from a2c_lessons.grading.worker import Worker
from a2c_lessons.grading.workspace import (
    Note,
    Outcome,
    checksum,
    copy_submission,
    exercise_modules,
    official_files,
)

STATE = ".grading.json"  # what was graded, and with what, for --resume


@dataclass
class Graded:
    """One student's grade: the results.json dict, notes for the instructor, and the kinds of those notes."""

    student: str
    results: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    outcomes: set[Outcome] = field(default_factory=set)

    @classmethod
    def of(cls, student: str, results: dict[str, Any], notes: list[Note]) -> Graded:
        return cls(student, results, [n.text for n in notes], {n.outcome for n in notes})


@dataclass
class Batch:
    """The state of one `grade` run: the official files, the sandbox mode, where results go."""

    official: Path
    modules: list[str]
    mode: str
    warning: str | None
    out: Path
    scratch: Path
    args: argparse.Namespace
    lock: threading.Lock = field(default_factory=threading.Lock)
    graded: dict[str, Graded] = field(default_factory=dict)
    workers: list[Worker] = field(default_factory=list)  # one per slot, each with a sandbox uid of its own

    def inputs_folder(self) -> Path:
        """A fresh, empty folder for one student's copied files, apart from the grader's private results."""
        return sandboxes.new_inputs_folder(self.scratch / "inputs")

    def run_slot(self, slot: int, students: queue.Queue, bar: tqdm) -> None:
        """Grade students from the queue, one after another; each student's runner starts during the previous one."""
        current = _take(students)
        inputs = self.inputs_folder() if current else None
        while current is not None:
            following = _take(students)
            next_inputs = self.inputs_folder() if following else None
            self.record(self.grade(current, self.workers[slot], inputs, next_inputs))
            bar.update()
            current, inputs = following, next_inputs

    def grade(self, student_dir: Path, worker: Worker, inputs: Path, next_inputs: Path | None) -> Graded:
        """Grade one student; a failure of the grader costs this student's grade (reported), not the batch."""
        try:
            before = checksum(student_dir)
            private = Path(tempfile.mkdtemp(dir=self.scratch / "private"))
            notes = copy_submission(student_dir, self.modules, inputs)
            missing = [m for m in self.modules if not (inputs / f"{m}.py").is_file()]  # as data, for the report
            results, run_notes = worker.grade(inputs, private, timeout=self.args.timeout, following=next_inputs)
            results.setdefault("extra_data", {})["missing"] = missing
            notes += run_notes
            if checksum(student_dir) != before:
                notes.append(Note(Outcome.CHANGED, "the submission folder changed while it was graded"))
        except Exception:  # a grader bug or a broken disk: this student's grade says so
            results = crash_results(traceback.format_exc())
            notes = [Note(Outcome.AUTOGRADER_FAILED, AUTOGRADER_FAILED)]
        notes += [Note(Outcome.WARNING, self.warning)] if self.warning else []
        shown = [n.text for n in notes if n.outcome is not Outcome.AUTOGRADER_FAILED]
        if shown:
            results["output"] = "\n".join([*shown, results.get("output", "")])
        return Graded.of(student_dir.name, results, notes)

    def stop(self) -> None:
        """Stop every worker (their sandboxes die with them) and kill every process of the sandbox uids."""
        for worker in self.workers:
            worker.stop()

    def record(self, graded: Graded) -> None:
        """Write the student's JSON and the whole grades.csv, atomically, as soon as they are graded."""
        with self.lock:
            self.graded[graded.student] = graded
            write_json(self.out / f"{graded.student}.json", graded.results)
            write_atomic(self.out / "grades.csv", grades_csv(list(self.graded.values()), self.modules))


# ---------------------------------------------------------------- the command


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="a2c-lessons grade", description="grade a folder of student submissions")
    parser.add_argument("submissions", type=Path, help="folder with one subfolder per student")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default ./grades)")
    parser.add_argument("--timeout", type=float, default=300.0, help="time limit per student in seconds (default 300)")
    parser.add_argument("--test-timeout", type=float, default=DEFAULT_TIMEOUT_S, help="time limit per test in seconds")
    parser.add_argument("--jobs", type=int, default=1, help="students graded at once (default 1)")
    parser.add_argument("--source", type=Path, default=in_clone("instructor"), help="instructor folder")
    parser.add_argument("--no-hidden", action="store_true", help="leave out the instructor's hidden tests")
    parser.add_argument("--overwrite", action="store_true", help="replace the grades already in --out")
    parser.add_argument("--resume", action="store_true", help="go on with the students --out does not have yet")
    parser.add_argument(
        "--sandbox",
        choices=("bwrap", "uid"),
        default=None,
        help="force a sandbox: bubblewrap, or an unprivileged uid (grader as root); default: the strongest here",
    )
    parser.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="grade without a sandbox where none is available (trusted submissions only)",
    )
    return parser.parse_args(argv)


def _args_problem(args: argparse.Namespace) -> str | None:
    """A one-line problem with the command line, or None."""
    if args.source is None:
        return "--source is required: this install has no instructor/ folder beside it (give the instructor folder)"
    if not args.submissions.is_dir():
        return f"SUBMISSIONS {str(args.submissions)!r} is not a folder: give the folder with one subfolder per student"
    if not 1 <= args.jobs <= sandboxes.UIDS_PER_GRADER // 2 or not args.timeout > 0 or not args.test_timeout > 0:
        return f"--jobs must be 1 to {sandboxes.UIDS_PER_GRADER // 2} and --timeout, --test-timeout > 0"
    if args.out.exists() and not args.out.is_dir():
        return f"--out {str(args.out)!r} is a file; give a folder"
    if args.overwrite and args.resume:
        return "--overwrite and --resume contradict each other: choose one"
    if args.out.is_dir() and any(args.out.iterdir()) and not (args.overwrite or args.resume):
        return f"output folder {str(args.out)!r} is not empty; pass --resume to go on, or --overwrite to start again"
    return None


def _fingerprint(official: dict[str, str], args: argparse.Namespace) -> str:
    settings = [sorted(official.items()), args.timeout, args.test_timeout]
    return hashlib.sha256(json.dumps(settings).encode()).hexdigest()


def _previous(out: Path, students: list[Path]) -> dict[str, Graded]:
    """The students --out already holds a valid results.json for (for --resume)."""
    done = {}
    for student in students:
        try:
            results = json.loads((out / f"{student.name}.json").read_text())
        except (OSError, ValueError):
            continue
        if isinstance(results, dict) and isinstance(results.get("score"), (int, float)):
            done[student.name] = Graded.of(
                student.name, results, [Note(Outcome.RESUMED, "graded in an earlier run (--resume)")]
            )
    return done


def _choose_sandbox(args: argparse.Namespace) -> tuple[str, str | None]:
    """The sandbox mode and its warning; RuntimeError (one line) where it would leak or fail honest students."""
    mode, warning = sandboxes.detect(allow_unsafe=args.unsafe_no_sandbox, force=args.sandbox)
    problem = sandboxes.uid_mode_problem([args.source, args.submissions, args.out]) if mode == "uid" else None
    if problem:
        raise RuntimeError(problem)
    return mode, warning


def main(argv: list[str] | None = None) -> int:
    """Grade every student folder; 0 when done, 2 for unusable inputs, 130 when interrupted."""
    args = _parse(argv)
    problem, mode, warning = _args_problem(args), "none", None
    try:
        official = official_files(args.source, hidden=not args.no_hidden) if problem is None else {}
        mode, warning = _choose_sandbox(args) if problem is None else ("none", None)
    except (ValueError, RuntimeError) as err:
        problem = str(err)
    fingerprint, state = _fingerprint(official, args), args.out / STATE
    if problem is None and args.resume and (not state.is_file() or json.loads(state.read_text()) != fingerprint):
        problem = f"--resume needs {state} from a run with the same instructor files and limits; it is not there"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    students = sorted(
        p for p in args.submissions.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "_"))
    )
    sandboxes.make_private(args.out)
    write_atomic(state, json.dumps(fingerprint) + "\n")
    with tempfile.TemporaryDirectory(prefix="a2c-grade-", ignore_cleanup_errors=True) as scratch:
        batch = _start(Path(scratch), official, mode, warning, args)
        if args.resume:
            batch.graded.update(_previous(args.out, students))
        todo = [s for s in students if s.name not in batch.graded]
        start = time.monotonic()
        try:
            _grade_all(batch, todo)
        except KeyboardInterrupt:
            print(
                f"\ninterrupted: {len(batch.graded)} of {len(students)} students graded, in {args.out}; "
                "the same command with --resume goes on from there",
                file=sys.stderr,
            )
            return 130
        finally:
            batch.stop()
    write_atomic(args.out / "grades.csv", grades_csv(list(batch.graded.values()), batch.modules))
    print(_summary(list(batch.graded.values()), len(todo), time.monotonic() - start, args.out, mode))
    return 0


def _start(scratch: Path, official: dict[str, str], mode: str, warning: str | None, args) -> Batch:
    """The scratch layout: official/ (the grader's alone), inputs/ (each student's copy, their uid's alone)."""
    sandboxes.lay_out_scratch(scratch)  # a uid-sandboxed runner may pass through to its own input folder only
    for name, text in official.items():
        (scratch / "official" / name).write_text(text, newline="")
    batch = Batch(scratch / "official", exercise_modules(official), mode, warning, args.out, scratch, args)
    for slot in range(args.jobs):
        batch.workers.append(Worker(batch.official, mode, slot, args.test_timeout))
    return batch


def _take(students: queue.Queue) -> Path | None:
    try:
        return students.get_nowait()
    except queue.Empty:
        return None


def _grade_all(batch: Batch, students: list[Path]) -> None:
    todo: queue.Queue = queue.Queue()
    for student in students:
        todo.put(student)
    with tqdm(total=len(students), unit="student", desc="grading") as bar, ThreadPoolExecutor(batch.args.jobs) as pool:
        futures = [pool.submit(batch.run_slot, slot, todo, bar) for slot in range(batch.args.jobs)]
        try:
            for future in as_completed(futures):
                future.result()
        except KeyboardInterrupt:
            while _take(todo) is not None:  # the slots stop after the student they are on
                pass
            batch.stop()
            raise


def _summary(graded: list[Graded], new: int, elapsed: float, out: Path, mode: str) -> str:
    if not graded:
        return f"no student folders found; wrote an empty {out / 'grades.csv'}"
    scores = [g.results["score"] for g in graded]
    max_score = max(g.results.get("extra_data", {}).get("max_score", 0) for g in graded)
    stopped = sum(Outcome.STOPPED in g.outcomes for g in graded)
    missing = sum(Outcome.MISSING in g.outcomes for g in graded)
    failed = sum(Outcome.AUTOGRADER_FAILED in g.outcomes for g in graded)
    per_student = f" ({elapsed / new:.1f} s each)" if new else ""
    return (
        f"graded {new} students in {elapsed:.0f} s{per_student}, sandbox {mode}; {len(graded)} in all: mean "
        f"{sum(scores) / len(scores):.1f} / {max_score:g}; {stopped} stopped early, {missing} with missing files, "
        f"{failed} autograder failures; grades in {out / 'grades.csv'}"
    )
