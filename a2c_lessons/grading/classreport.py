"""`a2c-lessons report GRADES/ --out report/`: what a graded class got right, and the misconceptions it showed.

    GRADES/alice.json ...              (the output of `a2c-lessons grade`), or
    GRADES/alice/results.json ...      (one Gradescope results.json per submission)
    -> OUT/report.html                 one page, its figures inside it (opens as a file, no server)
       OUT/report.md, OUT/figures/     the markdown twin and its figures
       OUT/report.json                 every number the two pages show

Everything is read from the results' structured fields, never from feedback text:
each test's score, visibility and `extra_data` (its exercise and the known mistakes
it found, see `mistakes`), and each student's `extra_data` (missing files, a stop at
the time limit, an autograder failure). Public tests and hidden tests are counted
apart: the per-exercise table and the misconceptions come from the public tests,
the hidden tests have a section of their own. The grades folder is only read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from a2c_lessons.grading.points import VISIBLE


class ReportError(ValueError):
    """The grades folder cannot be reported (the message says why, in one line)."""


@dataclass
class Student:
    """One graded student: their name (file or folder name) and their results.json."""

    name: str
    results: dict[str, Any]

    @property
    def extra(self) -> dict[str, Any]:
        return self.results.get("extra_data") or {}

    def tests(self, public: bool) -> list[dict[str, Any]]:
        """Their public (or hidden) tests; the autograder's own failure notices are neither."""
        if self.extra.get("autograder_failed"):
            return []
        return [t for t in self.results.get("tests", []) if (t.get("visibility") == VISIBLE) == public]


def _is_results(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    return isinstance(data.get("score"), (int, float)) and isinstance(data.get("tests"), list)


def load_class(grades: Path) -> list[Student]:
    """Every student's results in `grades`, sorted by name; ReportError if there are none."""
    grades = Path(grades)
    if not grades.is_dir():
        raise ReportError(f"GRADES {str(grades)!r} is not a folder: give the --out folder of `a2c-lessons grade`")
    found = {p.stem: p for p in grades.glob("*.json") if not p.name.startswith(".")}
    for pattern in ("*/results.json", "*/results/results.json"):  # Gradescope: one folder per submission
        found.update({p.relative_to(grades).parts[0]: p for p in grades.glob(pattern)})
    students = []
    for name, path in sorted(found.items()):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if _is_results(data):
            students.append(Student(name, data))
    if not students:
        raise ReportError(f"no results in {str(grades)!r}: no <student>.json or <student>/results.json to report")
    return students


def _quartiles(scores: list[float]) -> list[float]:
    if len(scores) == 1:
        return scores * 3
    return statistics.quantiles(scores, n=4, method="inclusive")


def summary(students: list[Student]) -> dict[str, Any]:
    """Totals: mean, median, quartiles; who has missing files, who was stopped, whose grading failed."""
    scores = [float(s.results["score"]) for s in students]
    quartiles = _quartiles(scores)
    return {
        "students": len(students),
        "max_score": max(float(s.extra.get("max_score", 0)) for s in students),
        "scores": dict(zip([s.name for s in students], scores)),
        "mean": statistics.fmean(scores),
        "median": statistics.median(scores),
        "q1": quartiles[0],
        "q3": quartiles[2],
        "missing_files": {s.name: s.extra["missing"] for s in students if s.extra.get("missing")},
        "stopped_early": sorted(s.name for s in students if s.extra.get("stopped_early")),
        "autograder_failed": sorted(s.name for s in students if s.extra.get("autograder_failed")),
    }


def _exercise(test: dict[str, Any]) -> str:
    return (test.get("extra_data") or {}).get("exercise") or test["name"].split(":")[0]


def per_exercise(students: list[Student]) -> dict[str, dict[str, Any]]:
    """exercise -> mean public points, share of students with full marks and with zero, and its hardest test."""
    points: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    passed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for student in students:
        for test in student.tests(public=True):
            exercise = _exercise(test)
            points[exercise][student.name][0] += float(test["score"])
            points[exercise][student.name][1] += float(test["max_score"])
            passed[exercise][test["name"]] += test.get("status") == "passed"
    table = {}
    for exercise in sorted(points):
        got = list(points[exercise].values())
        hardest = min(passed[exercise].items(), key=lambda item: item[1])  # first of the least passed, in test order
        table[exercise] = {
            "max_points": max(m for _, m in got),
            "mean_points": statistics.fmean(s for s, _ in got),
            "full_marks": sum(s == m for s, m in got) / len(got),
            "zero": sum(s == 0 for s, _ in got) / len(got),
            "hardest_test": hardest[0],
            "hardest_passed": hardest[1],
            "graded": len(got),
        }
    return table


def misconceptions(students: list[Student], public: bool = True) -> list[dict[str, Any]]:
    """Each known mistake the tests named: how many students made it, in which exercises; most frequent first."""
    found: dict[str, dict[str, Any]] = {}
    for student in students:
        for test in student.tests(public):
            for mistake in (test.get("extra_data") or {}).get("mistakes", []):
                if mistake.get("kind") == "answer" and not mistake.get("title"):
                    continue  # a wrong option the key has no feedback for: counted with the options below
                entry = found.setdefault(
                    mistake["id"], {"id": mistake["id"], "title": mistake.get("title"), "students": set(), "where": {}}
                )
                entry["students"].add(student.name)
                entry["where"].setdefault(_exercise(test), set()).add(student.name)
    ranked = sorted(found.values(), key=lambda e: (-len(e["students"]), e["id"]))
    return [
        {
            "id": e["id"],
            "title": e["title"],
            "students": len(e["students"]),
            "exercises": {x: len(names) for x, names in sorted(e["where"].items())},
        }
        for e in ranked
    ]


def wrong_options(students: list[Student]) -> dict[str, dict[str, int]]:
    """Concept question -> wrong option -> how many students chose it (public and hidden tests alike)."""
    chosen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for student in students:
        for test in student.tests(True) + student.tests(False):
            for mistake in (test.get("extra_data") or {}).get("mistakes", []):
                if mistake.get("kind") == "answer":
                    chosen[mistake["question"]][mistake["answer"]].add(student.name)
    return {q: {a: len(n) for a, n in sorted(options.items())} for q, options in sorted(chosen.items())}


def hidden_tests(students: list[Student]) -> dict[str, dict[str, int]]:
    """Hidden test -> how many students passed and failed it (the instructor's view only)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"passed": 0, "failed": 0})
    for student in students:
        for test in student.tests(public=False):
            counts[test["name"]]["passed" if test.get("status") == "passed" else "failed"] += 1
    return dict(sorted(counts.items()))


def class_report(students: list[Student]) -> dict[str, Any]:
    """Every number of the report, as plain data (report.json)."""
    return {
        "summary": summary(students),
        "exercises": per_exercise(students),
        "misconceptions": misconceptions(students, public=True),
        "wrong_options": wrong_options(students),
        "hidden": {"tests": hidden_tests(students), "misconceptions": misconceptions(students, public=False)},
    }


def main(argv: list[str] | None = None) -> int:
    """`a2c-lessons report GRADES --out DIR`: 0 when written, 2 for a grades folder that cannot be reported."""
    from a2c_lessons.grading.reportpage import write_report  # matplotlib loads only once the inputs are good

    parser = argparse.ArgumentParser(prog="a2c-lessons report", description="a class report from a graded folder")
    parser.add_argument("grades", type=Path, help="the --out folder of `a2c-lessons grade` (or Gradescope results)")
    parser.add_argument("--out", type=Path, default=Path("report"), help="where the report goes (default ./report)")
    args = parser.parse_args(argv)
    try:
        if args.out.exists() and not args.out.is_dir():
            raise ReportError(f"--out {str(args.out)!r} is a file; give a folder")
        if args.out.resolve() == args.grades.resolve():
            raise ReportError("--out is the grades folder: the report is written apart, the grades stay as they are")
        report = class_report(load_class(args.grades))
    except ReportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    page = write_report(report, args.out)
    s = report["summary"]
    print(f"reported {s['students']} students (mean {s['mean']:.1f} / {s['max_score']:g}): {page}")
    return 0
