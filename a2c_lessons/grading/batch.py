"""`a2c-lessons grade SUBMISSIONS_DIR`: grade one folder per student, each in its own subprocess.

    SUBMISSIONS_DIR/alice/ex01_actor_critic_roles.py ...   (or alice/exercises/ex01_...)
    -> OUT/grades.csv (one row per student) and OUT/alice.json (Gradescope results.json)

Each submission is copied into a fresh workspace next to the official tests (a
fresh release of instructor/, plus its hidden tests), so the grader never writes
to a student's files and a student's edited test files are never used. pytest
runs there in a subprocess of its own session with a time limit: a student whose
code loops forever, calls sys.exit or kills its own process costs that student
the tests it did not finish, never the batch. The plugin logs each finished test
as it goes, so a run killed at the limit still keeps what it graded.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from a2c_lessons.grading.plugin import DEFAULT_TIMEOUT_S
from a2c_lessons.grading.release import REPO_ROOT, ReleaseError, build_release, hidden_tests
from a2c_lessons.grading.report import AUTOGRADER_FAILED, crash_results, gradescope, results_from_log, write_json

PYTEST_INI = "[pytest]\npython_files = test_*.py\n"  # makes the workspace its own rootdir: no outside config applies
_OUTPUT_TAIL = 4000


@dataclass
class Graded:
    """One student's grade: the results.json dict, and notes for the instructor."""

    student: str
    results: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def official_files(source: Path, *, hidden: bool) -> dict[str, str]:
    """The released exercises/ (stubs, tests, keys), the hidden tests, and a pytest.ini: what every workspace holds."""
    files = build_release(source)
    extra = hidden_tests(source) if hidden else {}
    clash = set(files) & set(extra)
    if clash:
        raise ReleaseError(f"hidden tests share names with released files: {sorted(clash)}")
    return {**files, **extra, "pytest.ini": PYTEST_INI}


def exercise_modules(files: dict[str, str]) -> list[str]:
    """The module names students hand in, e.g. ex11_sequence_utility."""
    return sorted(Path(n).stem for n in files if n.startswith("ex") and n.endswith(".py"))


def submission_folder(folder: Path) -> Path:
    """Where a student's files are: the folder itself, or its exercises/ subfolder if that is where they are."""
    inner = folder / "exercises"
    return inner if inner.is_dir() and any(inner.glob("ex*.py")) else folder


def prepare_workspace(workspace: Path, official: dict[str, str], submission: Path, modules: list[str]) -> list[str]:
    """Copy the student's .py files, then the official files over them; return the missing exercise files."""
    workspace.mkdir(parents=True)
    for path in submission.glob("*.py"):
        if path.is_file() and not path.name.startswith("test_") and path.name != "conftest.py":
            shutil.copyfile(path, workspace / path.name)
    for name, text in official.items():
        if not (name.startswith("ex") and name.endswith(".py")):  # the stubs must not replace the student's answers
            (workspace / name).write_text(text, newline="")
    return [f"{m}.py" for m in modules if not (submission / f"{m}.py").is_file()]


def _run(cmd: list[str], cwd: Path, timeout: float, running: set) -> tuple[str, bool]:
    """Run `cmd` in its own process group; kill the whole group at `timeout`. Returns (output, timed_out)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"}
    posix = os.name == "posix"
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=posix
    )
    running.add(proc)
    try:
        return proc.communicate(timeout=timeout)[0], False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL) if posix else proc.kill()
        return proc.communicate()[0], True
    finally:
        running.discard(proc)


def run_workspace(workspace: Path, *, timeout: float, test_timeout: float, running: set) -> tuple[dict, list[str]]:
    """Grade a prepared workspace; returns (results.json dict, notes). Never raises for student behaviour."""
    grading = ["--grades-json", "results.json", "--grades-log", "progress.jsonl", "--grade-timeout", str(test_timeout)]
    cmd = [sys.executable, "-m", "pytest", ".", "-q", "-p", "no:cacheprovider", *grading]
    start = time.monotonic()
    output, timed_out = _run(cmd, workspace, timeout, running)
    if not timed_out and (workspace / "results.json").is_file():
        return json.loads((workspace / "results.json").read_text()), []
    if timed_out:
        note = f"grading stopped at the submission's time limit of {timeout:g} s; unfinished tests score 0"
        reason = f"Not graded: {note} (an exercise may loop forever, ignoring the per-test limit)."
    else:
        note = "the grading process ended early (the submission may call os._exit); unfinished tests score 0"
        reason = f"Not graded: {note}."
    partial = results_from_log(workspace / "progress.jsonl", reason)
    if partial is None:
        return crash_results(f"{note}\n\npytest output:\n{output[-_OUTPUT_TAIL:]}"), [note]
    return gradescope(partial, execution_time=time.monotonic() - start, notes=[note]), [note]


def grade_one(
    student_dir: Path, official: dict[str, str], scratch: Path, *, timeout: float, test_timeout: float, running: set
) -> Graded:
    """Grade one student's folder in a workspace under `scratch`; if the grader itself fails, 0 and say so."""
    try:
        workspace = scratch / student_dir.name
        missing = prepare_workspace(workspace, official, submission_folder(student_dir), exercise_modules(official))
        results, notes = run_workspace(workspace, timeout=timeout, test_timeout=test_timeout, running=running)
    except Exception:  # a grader bug or a broken disk must cost this student's grade, not the batch
        return Graded(student_dir.name, crash_results(traceback.format_exc()), [AUTOGRADER_FAILED])
    if missing:
        notes.insert(0, f"missing from the submission (scored 0): {', '.join(missing)}")
        results["output"] = f"{notes[0]}\n{results.get('output', '')}"
    return Graded(student_dir.name, results, notes)


def write_csv(path: Path, graded: list[Graded], exercises: list[str]) -> None:
    """grades.csv: student, score, max_score, one column per exercise, notes."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "score", "max_score", *exercises, "notes"])
        for g in sorted(graded, key=lambda g: g.student):
            extra = g.results.get("extra_data", {})
            per_exercise = extra.get("exercises", {})
            writer.writerow(
                [
                    g.student,
                    f"{g.results['score']:g}",
                    f"{extra.get('max_score', 0):g}",
                    *(f"{per_exercise.get(e, {}).get('score', 0):g}" for e in exercises),
                    "; ".join(g.notes),
                ]
            )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="a2c-lessons grade", description="grade a folder of student submissions")
    parser.add_argument("submissions", type=Path, help="folder with one subfolder per student")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="output folder (default ./grades)")
    parser.add_argument("--timeout", type=float, default=300.0, help="time limit per student in seconds (default 300)")
    parser.add_argument("--test-timeout", type=float, default=DEFAULT_TIMEOUT_S, help="time limit per test in seconds")
    parser.add_argument("--jobs", type=int, default=1, help="students graded at once (default 1)")
    parser.add_argument("--source", type=Path, default=REPO_ROOT / "instructor", help="instructor folder")
    parser.add_argument("--no-hidden", action="store_true", help="leave out the instructor's hidden tests")
    parser.add_argument("--overwrite", action="store_true", help="write into a non-empty --out")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Grade every student folder; returns 0, or 2 if the inputs are unusable."""
    args = _parse(argv)
    if not args.submissions.is_dir():
        print(f"error: {args.submissions} is not a folder", file=sys.stderr)
        return 2
    students = sorted(p for p in args.submissions.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if args.out.is_dir() and any(args.out.iterdir()) and not args.overwrite:
        print(f"error: output folder {args.out} is not empty; pass --overwrite to write into it", file=sys.stderr)
        return 2
    try:
        official = official_files(args.source, hidden=not args.no_hidden)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    graded = _grade_all(students, official, args)
    for g in graded:
        write_json(args.out / f"{g.student}.json", g.results)
    write_csv(args.out / "grades.csv", graded, exercise_modules(official))
    print(_summary(graded, time.monotonic() - start, args.out))
    return 0


def _grade_all(students: list[Path], official: dict[str, str], args: argparse.Namespace) -> list[Graded]:
    running: set = set()
    kwargs = dict(timeout=args.timeout, test_timeout=args.test_timeout, running=running)
    graded = []
    # ignore_cleanup_errors: a student's code may leave files in its workspace that resist deletion
    with (
        tempfile.TemporaryDirectory(prefix="a2c-grade-", ignore_cleanup_errors=True) as scratch,
        ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool,
    ):
        futures = [pool.submit(grade_one, s, official, Path(scratch), **kwargs) for s in students]
        try:
            for future in tqdm(as_completed(futures), total=len(futures), unit="student", desc="grading"):
                graded.append(future.result())
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            for proc in list(running):  # they run in their own sessions: Ctrl-C does not reach them
                proc.kill()
            raise
    return graded


def _summary(graded: list[Graded], elapsed: float, out: Path) -> str:
    if not graded:
        return f"no student folders found; wrote an empty {out / 'grades.csv'}"
    scores = [g.results["score"] for g in graded]
    max_score = max(g.results.get("extra_data", {}).get("max_score", 0) for g in graded)
    stopped = sum(any("time limit" in n or "ended early" in n for n in g.notes) for g in graded)
    missing = sum(any(n.startswith("missing") for n in g.notes) for g in graded)
    failed = sum(any(t["name"] == AUTOGRADER_FAILED for t in g.results["tests"]) for g in graded)
    return (
        f"graded {len(graded)} students in {elapsed:.0f} s: mean {sum(scores) / len(scores):.1f} / {max_score:g}; "
        f"{stopped} stopped early, {missing} with missing files, {failed} autograder failures; "
        f"grades in {out / 'grades.csv'}"
    )
