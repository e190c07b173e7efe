"""Grades ex07: what a reward above the baseline does to the LM's parameters."""

from a2c_lessons.grading import as_letter, points

EXERCISE = "ex07_above_baseline"


@points(2)
def test_above_baseline_update(student, answer_key):
    """the update after a reward above the baseline"""
    answer = as_letter(student.call(EXERCISE, "above_baseline_update"), "abcde", "above_baseline_update()")
    answer_key.matches("ex07.update", answer, otherwise="Not quite: which way does a positive advantage push log pi?")
