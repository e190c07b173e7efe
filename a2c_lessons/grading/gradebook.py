"""`a2c-lessons export GRADES/ --format canvas --out canvas.csv`: the grades as a learning platform imports them.

    --format csv      grades.csv as `grade` writes it: student, score, max_score, one column per exercise, notes
    --format canvas   Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the
                      assignment (its title, "A2C exercises" unless --assignment), and a "Points Possible" row
    --format moodle   Moodle's CSV grade import (the columns of its own export): First name, Last name,
                      ID number, Institution, Department, Email address, then the assignment

Students are the grades' file names (the submission folders). `--roster` maps them
to the platform: a CSV with a `student` column (the folder name) and any of the
format's columns ("SIS Login ID", "Email address", ...), whose values are copied. A
roster student without a submission scores 0 and is listed; a graded student
missing from the roster is listed and left out. The grades folder is only read.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from types import SimpleNamespace

from a2c_lessons.grading.classreport import ReportError, Student, load_class
from a2c_lessons.grading.report import grades_csv, write_atomic

CANVAS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE = ["First name", "Last name", "ID number", "Institution", "Department", "Email address"]
IDENTITY = {"canvas": CANVAS, "moodle": MOODLE}
NAMED_BY = {"canvas": ("Student", "SIS Login ID"), "moodle": ("ID number",)}  # columns the folder name fills


def read_roster(path: Path) -> list[dict[str, str]]:
    """The roster's rows; ReportError (one line) if it cannot be read or has no `student` column."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as err:
        raise ReportError(f"--roster {str(path)!r} cannot be read: {err.strerror}") from None
    if not rows or "student" not in rows[0]:
        raise ReportError(f"--roster {str(path)!r} needs a header with a 'student' column (the submission folder)")
    return rows


def _plan(students: list[Student], roster: list[dict[str, str]] | None) -> tuple[list[dict], list[str], list[str]]:
    """(rows to write, roster students without a submission, graded students not in the roster)."""
    graded = {s.name: s for s in students}
    if roster is None:
        return [{"student": n, "results": s.results} for n, s in graded.items()], [], []
    names = [r["student"] for r in roster]
    rows = [{**r, "results": graded[r["student"]].results if r["student"] in graded else None} for r in roster]
    return rows, [n for n in names if n not in graded], sorted(set(graded) - set(names))


def _score(row: dict) -> str:
    return f"{row['results']['score']:g}" if row["results"] else "0"


def platform_csv(fmt: str, rows: list[dict], assignment: str, max_score: float) -> str:
    """The Canvas or Moodle import file for these rows."""
    text = io.StringIO()
    writer = csv.writer(text)
    identity = IDENTITY[fmt]
    writer.writerow([*identity, assignment])
    if fmt == "canvas":  # Canvas reads the row under the header as each assignment's points
        writer.writerow(["Points Possible", *[""] * (len(identity) - 1), f"{max_score:g}"])
    for row in rows:
        values = {column: row.get(column, "") for column in identity}
        for column in NAMED_BY[fmt]:
            values[column] = values[column] or row["student"]
        writer.writerow([*values.values(), _score(row)])
    return text.getvalue()


def plain_csv(rows: list[dict], exercises: list[str]) -> str:
    """grades.csv's columns (report.grades_csv); a roster student without a submission has 0 everywhere."""
    graded = [
        SimpleNamespace(student=row["student"], results=row["results"], notes=[])
        if row["results"]
        else SimpleNamespace(student=row["student"], results={"score": 0}, notes=["no submission"])
        for row in rows
    ]
    return grades_csv(graded, exercises)


def main(argv: list[str] | None = None) -> int:
    """`a2c-lessons export GRADES --format F --out FILE [--roster CSV]`: 0 when written, 2 for unusable inputs."""
    parser = argparse.ArgumentParser(prog="a2c-lessons export", description="grades in a learning platform's format")
    parser.add_argument("grades", type=Path, help="the --out folder of `a2c-lessons grade` (or Gradescope results)")
    parser.add_argument("--format", choices=("csv", "canvas", "moodle"), default="csv", help="the file's columns")
    parser.add_argument("--out", type=Path, help="the CSV to write (default ./grades_<format>.csv)")
    parser.add_argument("--roster", type=Path, help="CSV with a 'student' column (folder name) and platform columns")
    parser.add_argument("--assignment", default="A2C exercises", help="the assignment's title in the platform")
    args = parser.parse_args(argv)
    out = args.out or Path(f"grades_{args.format}.csv")
    try:
        if out.resolve().parent == args.grades.resolve():
            raise ReportError("--out is inside the grades folder: write the export apart, the grades stay as they are")
        students = load_class(args.grades)
        roster = read_roster(args.roster) if args.roster else None
    except ReportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    rows, absent, unlisted = _plan(students, roster)
    max_score = max(float((s.results.get("extra_data") or {}).get("max_score", 0)) for s in students)
    exercises = sorted({x for s in students for x in (s.results.get("extra_data") or {}).get("exercises", {})})
    if args.format == "csv":
        write_atomic(out, plain_csv(rows, exercises))
    else:
        write_atomic(out, platform_csv(args.format, rows, args.assignment, max_score))
    print(f"wrote {len(rows)} students to {out} ({args.format})")
    if absent:
        print(f"note: {len(absent)} roster students have no submission and score 0: {', '.join(absent)}")
    if unlisted:
        print(f"note: {len(unlisted)} graded students are not in the roster and are left out: {', '.join(unlisted)}")
    return 0
