"""`a2c-lessons release`: the student exercises, a student bundle, and the points tables, from instructor/.

    a2c-lessons release                         exercises/ of this clone (the practice release)
    a2c-lessons release --graded --out DIR      no answer keys at all
    a2c-lessons release --bundle course.zip     lessons + exercises + a student README + the course wheel

In a clone, the points tables of the course's documents are recomputed first
(`tables`). Installed from a wheel, every path must be given: nothing is written
into the installed package.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from a2c_lessons.grading import tables
from a2c_lessons.grading.bundle import build_bundle, write_bundle
from a2c_lessons.grading.release import REPO_ROOT, ReleaseError, build_release, in_clone, write_files


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="a2c-lessons release", description="make the student exercises from instructor/"
    )
    parser.add_argument("--source", type=Path, default=in_clone("instructor"), help="instructor folder")
    parser.add_argument("--out", type=Path, help="where the student exercises go (default exercises/ of a clone)")
    parser.add_argument("--bundle", type=Path, help="instead: a course.zip (or folder) of lessons and exercises")
    parser.add_argument("--notebooks", type=Path, default=in_clone("notebooks"), help="the lessons, for --bundle")
    parser.add_argument("--wheel", type=Path, help="the course wheel for --bundle (default: built from this clone)")
    parser.add_argument("--overwrite", action="store_true", help="replace files in --out that differ (answers!)")
    parser.add_argument("--graded", action="store_true", help="ship no answer keys (an assignment graded for credit)")
    args = parser.parse_args(argv)
    if args.out is None and args.bundle is None:
        args.out = in_clone("exercises")
    return args


def _problem(args: argparse.Namespace) -> str | None:
    if args.source is None:
        return "--source is required: this install has no instructor/ folder beside it (give the instructor folder)"
    if args.out is None and args.bundle is None:
        return "--out (or --bundle) is required outside a clone of the repository; nothing is written into the package"
    if args.bundle is not None and args.notebooks is None:
        return "--notebooks is required with --bundle outside a clone of the repository"
    if args.wheel is not None and not (args.wheel.is_file() and args.wheel.name.startswith("a2c_lessons-")):
        return f"--wheel {str(args.wheel)!r} is not an a2c_lessons-*.whl file"
    if args.bundle is not None and args.bundle.exists() and not args.overwrite:
        return f"--bundle {str(args.bundle)!r} exists; pass --overwrite to replace it"
    return None


def main(argv: list[str] | None = None) -> int:
    """`a2c-lessons release [--source DIR] [--out DIR | --bundle PATH] [--graded]`."""
    args = _parse(argv)
    problem = _problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        if in_clone("instructor") is not None and args.source.resolve() == in_clone("instructor").resolve():
            for path in tables.sync(REPO_ROOT, args.source):  # points tables follow the tests' points
                print(f"updated the points in {path.relative_to(REPO_ROOT)}")
        if args.bundle is not None:
            return _bundle(args)
        files = build_release(args.source, graded=args.graded)
    except ValueError as err:  # ReleaseError, or a malformed answer key
        print(f"error: {err}", file=sys.stderr)
        return 2
    return _write_release(files, args)


def build_wheel(into: Path) -> Path:
    """The course library's wheel, built from this clone into the folder `into` (no dependencies)."""
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(into)]
    done = subprocess.run([*command, str(REPO_ROOT)], capture_output=True, text=True, timeout=600)
    wheels = sorted(into.glob("a2c_lessons-*.whl"))
    if done.returncode or not wheels:
        raise ReleaseError(f"building the course wheel failed: {done.stderr.strip()[-200:]}; pass --wheel PATH")
    return wheels[-1]


def _bundle(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        wheel = args.wheel
        if wheel is None and in_clone("pyproject.toml") is not None:
            wheel = build_wheel(Path(scratch))
        files = build_bundle(args.source, args.notebooks, graded=args.graded, wheel=wheel)
    write_bundle(files, args.bundle)
    kind = "graded (no answer keys)" if args.graded else "practice"
    print(f"wrote the {kind} student bundle to {args.bundle}: {len(files)} files, no instructor file")
    if wheel is None:
        print("note: the bundle holds no course wheel, so its install.py cannot set it up: pass --wheel PATH")
    return 0


def _write_release(files: dict[str, str], args: argparse.Namespace) -> int:
    changed = sorted(n for n, text in files.items() if (args.out / n).is_file() and (args.out / n).read_text() != text)
    if changed and not args.overwrite:  # these may hold a student's answers: never replace them silently
        print(
            f"error: {args.out} holds files that differ from the release ({', '.join(changed[:4])}); "
            "pass --overwrite to replace them, or choose another --out",
            file=sys.stderr,
        )
        return 2
    write_files(files, args.out)
    stale = sorted(
        p.name for p in args.out.iterdir() if p.is_file() and p.name not in files and not p.name.startswith(".")
    )
    print(f"released {len(files)} files to {args.out}")
    if stale:
        print(f"note: {args.out} also holds files the release does not make (left as they are): {', '.join(stale)}")
    return 0
