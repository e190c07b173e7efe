"""The grader's parts on their own: the wire format, calls into the runner, time limits, crash reports, check()."""

from __future__ import annotations

import json
import math
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from a2c_lessons.grading import Grad, Submission, check, tables, wire
from a2c_lessons.grading.points import TestResult
from a2c_lessons.grading.report import AUTOGRADER_FAILED, results_from_log
from a2c_lessons.grading.sandbox import Sandbox
from a2c_lessons.grading.worker import Worker
from a2c_lessons.grading.workspace import PYTEST_INI, Note, Outcome

REPO = Path(__file__).resolve().parents[2]
CONFTEST = 'pytest_plugins = ["a2c_lessons.grading.plugin"]\n'


def _folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


# ---------------------------------------------------------------- the wire format


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -2.5, math.inf, "b", ["a", 1], ("x", None), {"a", "c"}, {"run1": "a", "n": [1, 2]},
     torch.arange(6, dtype=torch.float32).reshape(2, 3), torch.tensor([True, False]),
     torch.zeros(0, 4, dtype=torch.long), (torch.ones(2), torch.tensor(1.5, dtype=torch.float64))],
    ids=lambda v: type(v).__name__,
)  # fmt: skip
def test_wire_round_trip_keeps_value_and_exact_type(value):
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert type(back) is type(value)
    if isinstance(value, torch.Tensor):
        assert back.dtype == value.dtype and torch.equal(back, value)
    elif isinstance(value, tuple) and value and isinstance(value[0], torch.Tensor):
        assert all(torch.equal(a, b) for a, b in zip(back, value))
    else:
        assert back == value


def test_wire_refuses_subclasses_by_name_and_converts_numpy_numbers():
    class Agreeable(torch.Tensor):
        pass

    class AnyLetter(str):
        def __eq__(self, other):
            return True

    for liar in (torch.zeros(2).as_subclass(Agreeable), AnyLetter("a"), [AnyLetter("a")], object()):
        with pytest.raises(TypeError, match="a value of type"):
            wire.encode(liar)
    assert wire.encode(np.float64(0.5)) == {"float": 0.5} and wire.encode(np.int64(3)) == {"int": 3}


@pytest.mark.parametrize(
    "message",
    [{"int": True}, {"float": "1"}, {"list": [{"int": 1}], "x": 1}, {"tensor": {"dtype": "float32", "shape": [3],
     "data": "AAAA"}}, {"tensor": {"dtype": "object", "shape": [1], "data": ""}}, {"set": [{"list": []}]},
     {"dict": [[{"list": []}, {"int": 1}]]}, {"eval": "__import__('os')"}, "just a string",
     {"tensor": {"dtype": "float32", "shape": [-1], "data": ""}}],
)  # fmt: skip
def test_wire_decode_rejects_malformed_values(message):
    with pytest.raises(wire.WireError):
        wire.decode(message)


def test_wire_decode_refuses_deep_nesting():
    deep = {"int": 1}
    for _ in range(wire.MAX_DEPTH + 2):
        deep = {"list": [deep]}
    with pytest.raises(wire.WireError):
        wire.decode(deep)


# ---------------------------------------------------------------- calls into the runner (self-check mode)

STUDENT = {
    "ex91_values.py": """
        import torch

        def scaled(x, *, by):
            return x * by

        def answer():
            return {"letters": ["a", "b"], "pair": (1, 2.5)}

        def utility(logprobs, advantages):
            return (logprobs * advantages.detach()).sum(dim=1)

        def chatty():
            print("x" * 200_000)  # more than a pipe holds: must not block the runner
            return "done"
    """,
    "ex92_loop.py": "def forever():\n    while True:\n        pass\n\ndef fine():\n    return 1\n",
    "ex93_exit.py": "import os\n\ndef leave():\n    os._exit(7)\n",
    "ex94_library.py": "from a2c_lessons.losses import a2c_loss\n\ndef f():\n    return 1\n",
    "ex95_other.py": "from ex91_values import answer\n\ndef f():\n    return answer()\n",
}


@pytest.fixture
def student(tmp_path):
    submission = Submission(_folder(tmp_path / "exercises", STUDENT), Sandbox("none"))
    yield submission
    submission.close()


def test_call_returns_plain_values_rebuilt_in_the_grader(student):
    x = torch.arange(3.0)
    assert torch.equal(student.call("ex91_values", "scaled", x, by=2.0), x * 2)
    assert student.call("ex91_values", "answer") == {"letters": ["a", "b"], "pair": (1, 2.5)}
    assert student.call("ex91_values", "chatty") == "done"


def test_differentiate_returns_the_gradient_of_the_output_sum(student):
    logprobs, advantages = torch.randn(2, 3), torch.randn(2, 3)
    result = student.differentiate("ex91_values", "utility", Grad(logprobs), Grad(advantages))
    assert result.requires_grad and torch.allclose(result.value, (logprobs * advantages).sum(dim=1))
    assert torch.allclose(result.grads[0], advantages) and result.grads[1] is None  # detached: no gradient


def test_a_loop_costs_its_exercise_once_and_the_others_go_on(student):
    with student.time_limit(1.0), pytest.raises(pytest.fail.Exception, match="time limit of 1 s"):
        student.call("ex92_loop", "forever")
    with pytest.raises(pytest.fail.Exception, match="Not run: an earlier test of ex92_loop"):
        student.call("ex92_loop", "fine")
    assert student.call("ex91_values", "answer")["letters"] == ["a", "b"]  # a fresh runner


def test_a_killed_runner_is_reported_and_replaced(student):
    with pytest.raises(pytest.fail.Exception, match="exited with code 7"):
        student.call("ex93_exit", "leave")
    assert student.call("ex91_values", "answer")["pair"] == (1, 2.5)


def test_importing_the_library_or_another_exercise_scores_zero_with_the_rule(student):
    with pytest.raises(pytest.fail.Exception, match="not the course library's, so this exercise scores 0"):
        student.call("ex94_library", "f")
    with pytest.raises(pytest.fail.Exception, match="each exercise is graded on its own"):
        student.call("ex95_other", "f")


def test_missing_files_and_functions_are_named(student):
    with pytest.raises(pytest.fail.Exception, match="ex97_absent.py is not in the submission"):
        student.call("ex97_absent", "f")
    with pytest.raises(pytest.fail.Exception, match="has no function nothing"):
        student.call("ex91_values", "nothing")


# ---------------------------------------------------------------- the trusted pytest run of one student


def grade_once(official: Path, inputs: Path, private: Path, *, timeout: float) -> tuple[dict, list[Note]]:
    worker = Worker(official, "none", 0, test_timeout=5)
    try:
        return worker.grade(inputs, private, timeout=timeout)
    finally:
        worker.stop()


def _official(folder: Path, tests: dict[str, str]) -> Path:
    return _folder(folder, {"conftest.py": CONFTEST, "pytest.ini": PYTEST_INI, **tests})


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
    official = _official(tmp_path / "official", {"test_ex06_broken.py": test_file})
    inputs = _folder(tmp_path / "inputs", {})
    results, notes = grade_once(official, inputs, tmp_path, timeout=60)
    assert results["score"] == 0 and notes == []
    visible, hidden = results["tests"]
    assert visible["name"] == AUTOGRADER_FAILED and visible["visibility"] == "visible"
    assert "not a verdict on your answers" in visible["output"] and words not in visible["output"]
    assert hidden["visibility"] == "hidden" and words in hidden["output"]


def test_a_run_killed_at_the_submission_limit_keeps_the_tests_it_finished(tmp_path):
    tests = """
        from a2c_lessons.grading import points

        EXERCISE = "ex06_loop"

        @points(1)
        def test_a_first(student):
            assert student.call("ex06_loop", "quick") == 1

        @points(2, timeout=100)
        def test_b_forever(student):
            student.call("ex06_loop", "forever")
    """
    official = _official(tmp_path / "official", {"test_ex06_loop.py": tests})
    inputs = _folder(
        tmp_path / "inputs",
        {"ex06_loop.py": "def quick():\n    return 1\n\ndef forever():\n    while 1:\n        pass\n"},
    )
    results, notes = grade_once(official, inputs, tmp_path, timeout=8)
    first, forever = results["tests"]
    assert first["score"] == 1 and forever["score"] == 0 and results["score"] == 1
    assert forever["output"].startswith("Not graded: grading stopped at the submission's time limit of 8 s")
    assert [n.outcome for n in notes] == [Outcome.STOPPED] and "time limit" in notes[0].text


def test_the_next_students_runner_started_ahead_grades_that_student(tmp_path):
    tests = """
        from a2c_lessons.grading import points

        EXERCISE = "ex06_quick"

        @points(1)
        def test_a_first(student):
            assert student.call("ex06_quick", "quick") == 1
    """
    official = _official(tmp_path / "official", {"test_ex06_quick.py": tests})
    students = [_folder(tmp_path / f"inputs{n}", {"ex06_quick.py": "def quick():\n    return 1\n"}) for n in (0, 1)]
    worker = Worker(official, "none", 0, test_timeout=60)
    try:
        first, _ = worker.grade(students[0], tmp_path, timeout=300, following=students[1])
        second, notes = worker.grade(students[1], tmp_path, timeout=300)
    finally:
        worker.stop()
    assert first["score"] == 1 and second["score"] == 1 and notes == []


def test_results_from_log_survives_a_line_cut_off_by_the_kill(tmp_path):
    collected = [TestResult(f"t{i}", f"ex06_x: t{i}", "ex06_x", 1.0).as_dict() for i in range(3)]
    log = tmp_path / "progress.jsonl"
    log.write_text(
        json.dumps({"collected": collected}) + "\n" + '{"nodeid": "t0", "passed": true, "output": "ok"}\n{"node'
    )
    results = results_from_log(log, "Not graded.")
    assert [(r.score, r.output) for r in results] == [(1.0, "ok"), (0.0, "Not graded."), (0.0, "Not graded.")]


def test_check_prints_the_feedback_and_counts_public_tests(tmp_path, capsys):
    exercises = tmp_path / "exercises"
    shutil.copytree(REPO / "exercises", exercises, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "instructor" / "ex04_sequence_utility.py", exercises / "ex04_sequence_utility.py")
    result = check("ex04", folder=exercises)
    printed = capsys.readouterr().out
    public = tables.declared_points(REPO / "instructor")["ex04_sequence_utility"]["public"]
    assert (result.score, result.max_score, result.passed) == (public, public, result.tests) and result.tests > 0
    assert f"public tests passed: {result.tests} of {result.tests}" in printed and "all passed" not in printed
    assert "ex04_sequence_utility" in printed and "ex05" not in printed
    assert sorted(p.name for p in exercises.iterdir()) == sorted(
        p.name for p in (REPO / "exercises").iterdir() if p.name != "__pycache__"
    )
