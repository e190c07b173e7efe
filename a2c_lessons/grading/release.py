"""Instructor -> student: `a2c-lessons release` makes `exercises/` from `instructor/`.

Every `.py` file in instructor/ is copied with each solution region (nbgrader's markers)

    ### BEGIN SOLUTION
    return logprobs * advantages.detach()
    ### END SOLUTION

replaced by one stub line at the marker's indentation,

    raise NotImplementedError("ex11: your answer to token_utility goes here")

Markdown files are copied as they are; `answer_keys.py` becomes `answer_keys.json`
(salted hashes, see `answers`); `hidden_tests/` stays on the instructor's side.
An unmatched or nested marker stops the release with the file and line. The
release is deterministic: the same instructor/ gives the same bytes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from a2c_lessons.grading.answers import KEYS_JSON, KEYS_SOURCE, keys_json, load_source

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
REPO_ROOT = Path(__file__).resolve().parents[2]
HIDDEN_TESTS = "hidden_tests"


class ReleaseError(ValueError):
    """The instructor sources cannot be released as they are (the message names file and line)."""


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _enclosing_function(lines: list[str], indent: str) -> str | None:
    """The name of the nearest `def` above, indented less than `indent`."""
    for line in reversed(lines):
        match = re.match(r"(\s*)(?:async\s+)?def\s+(\w+)", line)
        if match and len(match.group(1)) < len(indent):
            return match.group(2)
    return None


def stub_solutions(text: str, filename: str) -> str:
    """`text` with every solution region replaced by a NotImplementedError stub; ReleaseError on bad markers."""
    match = re.match(r"ex\d+", filename)
    exercise = match.group(0) if match else Path(filename).stem
    out: list[str] = []
    opened: tuple[int, str] | None = None  # (line number, indentation) of the open BEGIN marker
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if opened:
                raise ReleaseError(
                    f"{filename}:{number}: {BEGIN} inside the region opened at line {opened[0]}; markers cannot nest"
                )
            opened = (number, _indent(line))
            function = _enclosing_function(out, opened[1])
            target = f"your answer to {function}" if function else "your answer"
            out.append(f'{opened[1]}raise NotImplementedError("{exercise}: {target} goes here")\n')
        elif marker == END:
            if not opened:
                raise ReleaseError(f"{filename}:{number}: {END} without a {BEGIN} before it")
            if _indent(line) != opened[1]:
                raise ReleaseError(
                    f"{filename}:{number}: {END} is indented differently from its {BEGIN} (line {opened[0]})"
                )
            opened = None
        elif "BEGIN SOLUTION" in line or "END SOLUTION" in line:
            raise ReleaseError(
                f"{filename}:{number}: a solution marker must be a line of its own, exactly {BEGIN!r}/{END!r}"
            )
        elif not opened:
            out.append(line)
    if opened:
        raise ReleaseError(f"{filename}:{opened[0]}: {BEGIN} is never closed by {END}")
    return "".join(out)


def build_release(source: Path) -> dict[str, str]:
    """file name -> text of the student release made from the instructor folder `source`."""
    source = Path(source)
    if not source.is_dir():
        raise ReleaseError(f"no instructor folder at {source}: run from a clone of the repository, or pass --source")
    files: dict[str, str] = {}
    for path in sorted(p for p in source.iterdir() if p.is_file()):
        if path.name == KEYS_SOURCE:
            files[KEYS_JSON] = keys_json(*load_source(path))
        elif path.suffix == ".py":
            files[path.name] = stub_solutions(path.read_text(), path.name)
        elif path.suffix == ".md":
            files[path.name] = path.read_text()
    if KEYS_JSON not in files:
        raise ReleaseError(f"{source} has no {KEYS_SOURCE}: the concept questions would have no answer key")
    return files


def hidden_tests(source: Path) -> dict[str, str]:
    """file name -> text of the instructor-only tests, run by batch grading alongside the released ones."""
    folder = Path(source) / HIDDEN_TESTS
    return {p.name: p.read_text() for p in sorted(folder.glob("*.py"))} if folder.is_dir() else {}


def write_files(files: dict[str, str], out: Path) -> None:
    """Write each file under `out` (created if needed), bytes exactly as built."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, newline="")


def main(argv: list[str] | None = None) -> int:
    """`a2c-lessons release [--source DIR] [--out DIR]`."""
    parser = argparse.ArgumentParser(
        prog="a2c-lessons release", description="make the student exercises/ from instructor/"
    )
    parser.add_argument("--source", type=Path, default=REPO_ROOT / "instructor", help="instructor folder")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "exercises", help="where the student release goes")
    parser.add_argument("--overwrite", action="store_true", help="replace files in --out that differ (answers!)")
    args = parser.parse_args(argv)
    try:
        files = build_release(args.source)
    except ValueError as err:  # ReleaseError, or a malformed answer key
        print(f"error: {err}", file=sys.stderr)
        return 2
    changed = sorted(n for n, text in files.items() if (args.out / n).is_file() and (args.out / n).read_text() != text)
    if changed and not args.overwrite:  # these may hold a student's answers: never replace them silently
        print(f"error: {args.out} holds files that differ from the release ({', '.join(changed[:4])}); "
              "pass --overwrite to replace them, or choose another --out", file=sys.stderr)  # fmt: skip
        return 2
    write_files(files, args.out)
    stale = sorted(
        p.name for p in args.out.iterdir() if p.is_file() and p.name not in files and not p.name.startswith(".")
    )
    print(f"released {len(files)} files to {args.out}")
    if stale:
        print(f"note: {args.out} also holds files the release does not make (left as they are): {', '.join(stale)}")
    return 0
