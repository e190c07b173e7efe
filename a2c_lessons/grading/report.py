"""Grades as people read them: the Gradescope results.json, the summary table, and the crash report.

results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/):

    {"score": 31.0, "output": "...", "execution_time": 7,
     "tests": [{"name", "score", "max_score", "status", "visibility", "output"}, ...],
     "extra_data": {"max_score": 59.0, "exercises": {"ex06_...": {"score", "max_score"}}}}

Tests are sorted by exercise. Summaries count "public tests passed", never
"all passed": hidden tests may still fail, and the summary a student reads says
nothing about them but how many there are. Feedback is capped per test (points.py)
and per student (`MAX_REPORT_OUTPUT`), and the report says where it was cut.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections import defaultdict
from pathlib import Path
from typing import Any

from a2c_lessons.grading.points import VISIBLE, TestResult, cut

AUTOGRADER_FAILED = "autograder failed"
MAX_REPORT_OUTPUT = 20_000  # characters of feedback in one student's report, all tests together


def sort_by_exercise(results: list[TestResult]) -> list[TestResult]:
    """Stable sort: exercises in order, tests within one in the order they ran."""
    return sorted(results, key=lambda r: r.exercise)


def exercise_totals(results: list[TestResult]) -> dict[str, dict[str, float]]:
    """exercise -> {"score", "max_score"}."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"score": 0.0, "max_score": 0.0})
    for r in sort_by_exercise(results):
        totals[r.exercise]["score"] += r.score
        totals[r.exercise]["max_score"] += r.max_score
    return dict(totals)


def summary_line(results: list[TestResult]) -> str:
    """What every student may read: public tests and public points only (hidden results stay hidden)."""
    public = [r for r in results if r.visibility == VISIBLE]
    passed = sum(r.status == "passed" for r in public)
    score, max_score = sum(r.score for r in public), sum(r.max_score for r in public)
    hidden = len(results) - len(public)
    tail = f"; {hidden} hidden tests, shown once grades are published" if hidden else ""
    return f"public tests passed: {passed} of {len(public)}; public score {score:g} / {max_score:g}{tail}"


def gradescope_results(
    results: list[TestResult], *, execution_time: float = 0.0, notes: list[str] = ()
) -> dict[str, Any]:
    """The results.json dict for these test results (with `notes` above the summary line)."""
    tests = [
        {k: r.as_dict()[k] for k in ("name", "score", "max_score", "status", "visibility", "output")}
        | {"extra_data": {"exercise": r.exercise, "mistakes": r.mistakes}}
        for r in sort_by_exercise(results)
    ]
    budget = MAX_REPORT_OUTPUT
    for test in tests:  # the report as a whole stays readable, whatever one answer printed
        test["output"] = cut(test["output"], max(budget, 0)) if budget > 0 else "[feedback cut: report limit reached]"
        budget -= len(test["output"])
    return {
        "score": sum(r.score for r in results),
        "execution_time": int(round(execution_time)),
        "output": "\n".join([*notes, summary_line(results)]),
        "tests": tests,
        "extra_data": {"max_score": sum(r.max_score for r in results), "exercises": exercise_totals(results)},
    }


def _failed_test(name: str, visibility: str, output: str) -> dict[str, Any]:
    return {
        "name": name,
        "score": 0.0,
        "max_score": 0.0,
        "status": "failed",
        "visibility": visibility,
        "output": output,
    }


def crash_results(details: str) -> dict[str, Any]:
    """results.json when grading itself broke: score 0, a visible notice, the traceback in a hidden test."""
    notice = (
        "The autograder itself failed, so nothing was graded. This is not a verdict on your answers: "
        "your instructor can see what went wrong. Please let them know."
    )
    tests = [
        _failed_test(AUTOGRADER_FAILED, VISIBLE, notice),
        _failed_test(f"{AUTOGRADER_FAILED}: details", "hidden", details),
    ]
    return {"score": 0.0, "output": notice, "tests": tests, "extra_data": {"autograder_failed": True}}


def summary_table(results: list[TestResult]) -> str:
    """Points per exercise and in total, as a plain-text table."""
    totals = exercise_totals(results)
    width = max([len("exercise"), *map(len, totals)]) + 2
    failed = defaultdict(int)
    for r in results:
        failed[r.exercise] += r.status != "passed"
    lines = [f"{'exercise':<{width}}points"]
    for exercise, t in totals.items():
        note = f"   ({failed[exercise]} test{'s' * (failed[exercise] != 1)} failed)" if failed[exercise] else ""
        lines.append(f"{exercise:<{width}}{t['score']:g} / {t['max_score']:g}{note}")
    lines.append("-" * (width + 12))
    score, max_score = sum(r.score for r in results), sum(r.max_score for r in results)
    lines.append(f"{'total':<{width}}{score:g} / {max_score:g}")
    lines.append(summary_line(results))
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all; a symlink planted at `path` is replaced, never followed."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data, indent=1) + "\n")


def results_from_log(path: Path, reason: str) -> list[TestResult] | None:
    """The tests a killed run collected, with the outcomes it logged; the rest failed with `reason`.

    The log (written by the plugin as `--grades-log`) is one JSON object a line: first
    {"collected": [TestResult dicts]}, then {"nodeid", "passed", "output"} per test.
    Returns None if the run died before it finished collecting.
    """
    path = Path(path)
    if not path.is_file():
        return None
    results: dict[str, TestResult] = {}
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # the last line may be cut off by the kill
            continue
        if "collected" in entry:
            results = {d["nodeid"]: TestResult(**d) for d in entry["collected"]}
        elif entry.get("nodeid") in results:
            results[entry["nodeid"]].record(entry["passed"], entry["output"])
            results[entry["nodeid"]].mistakes = entry.get("mistakes", [])
    if not results:
        return None
    for r in results.values():
        if r.status == "not run":
            r.record(False, reason)
    return list(results.values())


def grades_csv(graded: list, exercises: list[str]) -> str:
    """grades.csv: student, score, max_score, one column per exercise, notes (`graded`: batch.Graded rows)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["student", "score", "max_score", *exercises, "notes"])
    for g in sorted(graded, key=lambda g: g.student):
        extra = g.results.get("extra_data", {})
        per_exercise = extra.get("exercises", {})
        scores = [f"{per_exercise.get(e, {}).get('score', 0):g}" for e in exercises]
        writer.writerow(
            [g.student, f"{g.results['score']:g}", f"{extra.get('max_score', 0):g}", *scores, "; ".join(g.notes)]
        )
    return text.getvalue()
