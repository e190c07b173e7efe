"""The grader's parts on their own: time limits, guarded student code, crash reports, killed runs, check()."""

from __future__ import annotations

import json
import shutil
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from a2c_lessons.grading import batch, check
from a2c_lessons.grading.limits import GradingTimeout, time_limit
from a2c_lessons.grading.points import TestResult
from a2c_lessons.grading.report import AUTOGRADER_FAILED, results_from_log
from a2c_lessons.grading.student import Student

REPO = Path(__file__).resolve().parents[1]
CONFTEST = 'pytest_plugins = ["a2c_lessons.grading.plugin"]\n'


def _workspace(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {"conftest.py": CONFTEST, "pytest.ini": batch.PYTEST_INI, **files}.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def test_time_limit_interrupts_a_loop_and_restores_the_timer_before_it():
    armed_before = signal.getitimer(signal.ITIMER_REAL)[0] > 0  # pytest-timeout's, when it runs with a timeout
    with pytest.raises(GradingTimeout):
        with time_limit(0.2):
            while True:
                pass
    assert (signal.getitimer(signal.ITIMER_REAL)[0] > 0) == armed_before


def test_guarded_calls_turn_exits_and_interrupts_into_failures(tmp_path):
    student = Student(tmp_path)
    with pytest.raises(pytest.fail.Exception, match=r"f\(\) called sys.exit\(3\)"):
        student.guard("f()", sys.exit, 3)
    with pytest.raises(pytest.fail.Exception, match="raised KeyboardInterrupt"):
        student.guard("f()", lambda: (_ for _ in ()).throw(KeyboardInterrupt()))


def test_student_modules_import_without_writing_into_the_folder(tmp_path):
    (tmp_path / "ex99_demo.py").write_text("VALUE = 41 + 1\n")
    (tmp_path / "ex98_broken.py").write_text("raise RuntimeError('at import')\n")
    student = Student(tmp_path)
    assert student.module("ex99_demo").VALUE == 42
    with pytest.raises(pytest.fail.Exception, match="importing ex98_broken.py raised RuntimeError: at import"):
        student.module("ex98_broken")
    with pytest.raises(pytest.fail.Exception, match="not in the submission"):
        student.module("ex97_absent")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ex98_broken.py", "ex99_demo.py"]
    for name in ("ex99_demo", "ex98_broken"):
        sys.modules.pop(name, None)


BROKEN_FIXTURE = """
    import pytest

    @pytest.fixture
    def reference():
        raise RuntimeError("the grader's own fixture broke")

    def test_x(reference):
        pass
"""


@pytest.mark.parametrize(
    ("test_file", "words"),
    [("def test_x(:\n    pass\n", "SyntaxError"), (BROKEN_FIXTURE, "the grader's own fixture broke")],
    ids=["collection-error", "fixture-error"],
)
def test_a_grader_crash_reports_autograder_failed_with_the_traceback_hidden(tmp_path, test_file, words):
    workspace = _workspace(tmp_path / "ws", {"test_ex01_broken.py": test_file})
    results, notes = batch.run_workspace(workspace, timeout=60, test_timeout=5, running=set())
    assert results["score"] == 0 and notes == []
    visible, hidden = results["tests"]
    assert visible["name"] == AUTOGRADER_FAILED and visible["visibility"] == "visible"
    assert "not a verdict on your answers" in visible["output"] and words not in visible["output"]
    assert hidden["visibility"] == "hidden" and words in hidden["output"]


def test_a_run_killed_at_the_submission_limit_keeps_the_tests_it_finished(tmp_path):
    swallows_every_timeout = """
        from a2c_lessons.grading.points import points

        @points(1)
        def test_a_first():
            pass

        @points(2)
        def test_b_forever():
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
    """
    workspace = _workspace(tmp_path / "ws", {"test_ex01_loop.py": swallows_every_timeout})
    results, notes = batch.run_workspace(workspace, timeout=4, test_timeout=0.5, running=set())
    first, forever = results["tests"]
    assert first["score"] == 1 and forever["score"] == 0 and results["score"] == 1
    assert forever["output"].startswith("Not graded: grading stopped at the submission's time limit of 4 s")
    assert notes and "time limit" in notes[0]


def test_results_from_log_survives_a_line_cut_off_by_the_kill(tmp_path):
    collected = [TestResult(f"t{i}", f"ex01_x: t{i}", "ex01_x", 1.0).as_dict() for i in range(3)]
    log = tmp_path / "progress.jsonl"
    log.write_text(
        json.dumps({"collected": collected}) + "\n" + '{"nodeid": "t0", "passed": true, "output": "ok"}\n{"node'
    )
    results = results_from_log(log, "Not graded.")
    assert [(r.score, r.output) for r in results] == [(1.0, "ok"), (0.0, "Not graded."), (0.0, "Not graded.")]


def test_check_prints_the_feedback_and_counts_public_tests(tmp_path, capsys):
    exercises = tmp_path / "exercises"
    shutil.copytree(REPO / "exercises", exercises, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "instructor" / "ex11_sequence_utility.py", exercises / "ex11_sequence_utility.py")
    result = check("ex11", folder=exercises)
    printed = capsys.readouterr().out
    assert (result.score, result.max_score, result.passed, result.tests) == (4.0, 4.0, 3, 3)
    assert "public tests passed: 3 of 3" in printed and "all passed" not in printed
    assert "ex11_sequence_utility" in printed and "ex12" not in printed
    assert sorted(p.name for p in exercises.iterdir()) == sorted(
        p.name for p in (REPO / "exercises").iterdir() if p.name != "__pycache__"
    )
