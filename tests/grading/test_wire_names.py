"""The names both sides of the wire share: the runner's error kinds and the rule for an exercise's name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from a2c_lessons.grading import wire
from a2c_lessons.grading.feedback import SENTENCES, describe
from a2c_lessons.grading.release import is_exercise as is_exercise_file

KINDS = [value for name, value in vars(wire.ErrorKind).items() if name.isupper()]
RUNNER = Path(wire.__file__).with_name("runner.py")


def test_every_error_kind_the_runner_sends_gets_a_sentence_of_its_own():
    error = {"type": "ValueError", "message": "bad", "blocked": ""}
    sentences = {describe({**error, "kind": kind}, "f()", "ex04_x") for kind in KINDS}
    assert len(KINDS) == 7 and len(sentences) == len(KINDS)


def test_every_kind_the_runner_emits_has_feedback_and_feedback_names_no_other_kind():
    emitted = set(re.findall(r"\bKIND\.(\w+)", RUNNER.read_text()))
    assert emitted, "runner.py names its error kinds as KIND.NAME"
    assert emitted <= set(vars(wire.ErrorKind)), f"runner.py emits kinds wire.ErrorKind lacks: {emitted}"
    assert {getattr(wire.ErrorKind, name) for name in emitted} == set(KINDS), "a kind no runner emits"
    assert set(SENTENCES) == set(KINDS)


def test_a_kind_the_grader_does_not_know_is_worded_as_an_exception():
    error = {"type": "ValueError", "message": "bad"}
    raised = describe({**error, "kind": wire.ErrorKind.RAISED}, "f()", "ex04_x")
    assert describe({**error, "kind": "no_such_kind"}, "f()", "ex04_x") == raised
    assert describe({**error, "kind": ["not", "hashable"]}, "f()", "ex04_x") == raised


def test_the_runner_and_the_feedback_name_no_error_kind_as_a_bare_string():
    for path in (RUNNER, RUNNER.with_name("feedback.py")):
        text = path.read_text()
        assert [kind for kind in KINDS if f'"{kind}"' in text] == [], path.name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ex04_sequence_utility", True),
        ("ex04_sequence_utility.py", True),
        ("ex1_short", False),
        ("ex04", False),
        ("exercises", False),
        ("test_ex04_sequence_utility", False),
        ("ex04_sequence-utility", False),
    ],
)
def test_one_rule_says_what_an_exercise_is(name, expected):
    assert wire.is_exercise(name) is expected
    assert is_exercise_file(name) is (expected and name.endswith(".py"))


def test_an_exercise_id_is_the_number_its_module_begins_with():
    assert wire.exercise_id("ex04_sequence_utility") == wire.exercise_id("ex04_sequence_utility.py") == "ex04"
    assert wire.exercise_id("README") == "README"
