"""Grading speed: honest students graded per minute, sandbox on, side by side in one run.

    python benchmarks/grading.py                         # 6 honest students; --jobs 1 and 2; bwrap and no sandbox
    python benchmarks/grading.py --baseline c57aec0      # also the grader of that commit (git worktree), same class

Each setting grades the same class of honest students (the reference solutions) with
`a2c-lessons grade`, one setting after the other, and reports seconds per student,
students per minute and the ratio to the first setting. "no sandbox" is
`--unsafe-no-sandbox`: the cost of the sandbox is the difference. With --baseline, a
git worktree of that commit grades the same class with its own grader (its own
process per student, its own plugin); nothing is installed, it runs from the worktree.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_class(root: Path, students: int) -> Path:
    submissions = root / "submissions"
    for i in range(students):
        folder = submissions / f"student{i:02d}"
        folder.mkdir(parents=True)
        for path in (REPO / "instructor").glob("ex*.py"):
            shutil.copyfile(path, folder / path.name)
    return submissions


def grade(submissions: Path, out: Path, *options: str, repo: Path = REPO) -> tuple[float, float]:
    """(seconds the command took, seconds its summary line reports for the grading itself)."""
    env = {**os.environ, "PYTHONPATH": str(repo)} if repo != REPO else None  # the old package, from its worktree
    cmd = [sys.executable, "-m", "a2c_lessons.cli", "grade", str(submissions), "--out", str(out), *options]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=repo)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"grading failed ({' '.join(options)}):\n{done.stderr[-2000:]}")
    grading = re.search(r"graded \d+ students in (\d+) s", done.stdout)  # both graders print this summary
    return wall, float(grading[1]) if grading else float("nan")


def baseline_worktree(ref: str, into: Path) -> Path:
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(into), ref], check=True, capture_output=True
    )
    return into


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-unsafe", action="store_true", help="leave out the run without a sandbox")
    parser.add_argument("--baseline", help="a git ref whose grader grades the same class too")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "benchmarks" / "grading.md")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        submissions = make_class(root, args.students)
        settings = [(f"sandbox, --jobs {j}", ["--jobs", str(j)], REPO) for j in args.jobs]
        if not args.no_unsafe:
            unsafe = ["--unsafe-no-sandbox"]
            settings += [(f"no sandbox, --jobs {j}", ["--jobs", str(j), *unsafe], REPO) for j in args.jobs]
        if args.baseline:
            old = baseline_worktree(args.baseline, root / "baseline")
            settings += [
                (f"{args.baseline} (before the sandbox), --jobs {j}", ["--jobs", str(j)], old) for j in args.jobs
            ]
        try:
            for i, (name, options, repo) in enumerate(settings):
                wall, grading = grade(submissions, root / f"out{i}", *options, repo=repo)
                rows.append((name, grading / args.students, wall / args.students))
        finally:
            if args.baseline:
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "remove", "--force", str(root / "baseline")],
                    capture_output=True,
                )
    first = rows[0][1]
    lines = [
        f"Grading {args.students} honest students, one setting after another ({platform.processor() or 'cpu'}).",
        "Grading: the time the command's own summary reports; wall: the whole command, start-up included.",
        "",
        "| setting | s per student (grading) | students per minute | time / first row | s per student (wall) |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {name} | {s:.2f} | {60 / s:.1f} | {s / first:.2f}x | {w:.2f} |" for name, s, w in rows),
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    return table


if __name__ == "__main__":
    main()
