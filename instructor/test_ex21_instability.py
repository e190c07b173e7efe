"""Grades ex21: diagnosing unstable runs, one point per run."""

import pytest

from a2c_lessons.grading import as_letter_map, points

EXERCISE = "ex21_instability"
RUNS = ("run1", "run2", "run3", "run4", "run5", "run6")


@points(1)
@pytest.mark.parametrize("run", RUNS)
def test_diagnosis(student, answer_key, run):
    """the cause of one unstable run"""
    answers = as_letter_map(student.call(EXERCISE, "diagnose"), RUNS, "abcdef", "diagnose()")
    answer_key.matches(f"ex21.{run}", answers[run], otherwise=f"That is not the most likely cause of {run}.")
