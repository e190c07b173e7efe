"""Gradebook export: grades.csv's columns, Canvas's and Moodle's import headers, a roster, and bad inputs.

The documented headers, written out here:
- Canvas (Grades > Import): Student, ID, SIS User ID, SIS Login ID, Section, then one column per
  assignment; an optional second row "Points Possible" gives each assignment's points.
- Moodle (Grades > Import > CSV file; the columns of its own plain-text export): First name,
  Last name, ID number, Institution, Department, Email address, then one column per grade item.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest

from a2c_lessons.grading import gradebook
from a2c_lessons.grading.workspace import checksum

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["First name", "Last name", "ID number", "Institution", "Department", "Email address"]


def _results(score: float) -> dict:
    exercises = {
        "ex06_a": {"score": min(score, 2.0), "max_score": 2.0},
        "ex19_b": {"score": max(score - 2, 0.0), "max_score": 3.0},
    }
    tests = [
        {
            "name": "ex06_a: t",
            "score": score,
            "max_score": 5.0,
            "status": "passed",
            "visibility": "visible",
            "output": "",
        }
    ]
    extra = {"max_score": 5.0, "exercises": exercises}
    return {"score": score, "output": "", "tests": tests, "extra_data": extra}


@pytest.fixture
def grades(tmp_path) -> Path:
    folder = tmp_path / "grades"
    folder.mkdir()
    for student, score in (("alice", 5.0), ("bob", 2.5), ("carol", 0.0)):
        (folder / f"{student}.json").write_text(json.dumps(_results(score)))
    (folder / "grades.csv").write_text("as grade wrote it\n")
    return folder


def _export(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = gradebook.main(list(args))
    return code, out.getvalue()


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_plain_csv_has_grades_csv_columns(grades, tmp_path):
    assert _export(str(grades), "--out", str(tmp_path / "g.csv"))[0] == 0
    rows = _rows(tmp_path / "g.csv")
    assert rows[0] == ["student", "score", "max_score", "ex06_a", "ex19_b", "notes"]
    assert rows[1] == ["alice", "5", "5", "2", "3", ""]
    assert rows[2:] == [["bob", "2.5", "5", "2", "0.5", ""], ["carol", "0", "5", "0", "0", ""]]


def test_canvas_export_has_the_documented_header_and_points_possible(grades, tmp_path):
    before = checksum(grades)
    assert _export(str(grades), "--format", "canvas", "--out", str(tmp_path / "c.csv"))[0] == 0
    rows = _rows(tmp_path / "c.csv")
    assert rows[0] == [*CANVAS_HEADER, "A2C exercises"]
    assert rows[1] == ["Points Possible", "", "", "", "", "5"]
    assert rows[2] == ["alice", "", "", "alice", "", "5"] and len(rows) == 5
    assert checksum(grades) == before


def test_moodle_export_with_a_roster_maps_students_and_gives_absent_ones_zero(grades, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student,First name,Last name,Email address,ID number\n"
        "alice,Alice,Liddell,alice@example.org,1001\n"
        "bob,Bob,Marley,bob@example.org,1002\n"
        "dave,Dave,Brubeck,dave@example.org,1004\n"
    )
    out = tmp_path / "m.csv"
    code, printed = _export(str(grades), "--format", "moodle", "--roster", str(roster), "--out", str(out))
    assert code == 0
    rows = _rows(out)
    assert rows[0] == [*MOODLE_HEADER, "A2C exercises"]
    assert rows[1:] == [
        ["Alice", "Liddell", "1001", "", "", "alice@example.org", "5"],
        ["Bob", "Marley", "1002", "", "", "bob@example.org", "2.5"],
        ["Dave", "Brubeck", "1004", "", "", "dave@example.org", "0"],
    ]
    assert "1 roster students have no submission and score 0: dave" in printed
    assert "1 graded students are not in the roster and are left out: carol" in printed


@pytest.mark.parametrize("fmt", ["csv", "canvas", "moodle"])
def test_a_grades_folder_without_results_is_a_one_line_error(tmp_path, capsys, fmt):
    (tmp_path / "grades").mkdir()
    (tmp_path / "grades" / "grades.csv").write_text("student,score\n")
    assert gradebook.main([str(tmp_path / "grades"), "--format", fmt, "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no results in") and err.count("\n") == 1
    assert not (tmp_path / "x.csv").exists() and [p.name for p in (tmp_path / "grades").iterdir()] == ["grades.csv"]


def test_a_roster_without_a_student_column_is_a_one_line_error(grades, tmp_path, capsys):
    before = checksum(grades)
    (tmp_path / "roster.csv").write_text("name,email\nalice,a@example.org\n")
    args = [
        str(grades),
        "--format",
        "canvas",
        "--roster",
        str(tmp_path / "roster.csv"),
        "--out",
        str(tmp_path / "c.csv"),
    ]
    assert gradebook.main(args) == 2
    err = capsys.readouterr().err
    assert "'student' column" in err and err.count("\n") == 1
    assert checksum(grades) == before and not (tmp_path / "c.csv").exists()


def test_an_export_into_the_grades_folder_is_refused(grades, capsys):
    before = checksum(grades)
    assert gradebook.main([str(grades), "--format", "canvas", "--out", str(grades / "canvas.csv")]) == 2
    assert "inside the grades folder" in capsys.readouterr().err and checksum(grades) == before
