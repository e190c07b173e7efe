"""Grades ex11: what a negative advantage does, on the question and on fresh advantages."""

from a2c_lessons.grading import as_bool, grade_true_or_false, points

EXERCISE = "ex11_negative_advantage"
SEED = 5


@points(2)
def test_negative_advantage_statement(student, answer_key):
    """true or false: a negative advantage makes the token more likely"""
    answer = as_bool(student.call(EXERCISE, "negative_advantage_more_likely"), "negative_advantage_more_likely()")
    answer_key.matches("ex11.seed", str(answer), otherwise="Not quite.")


@points(2)
def test_true_or_false_on_fresh_advantages(student):
    """true_or_false on fresh advantages"""
    grade_true_or_false(student, EXERCISE, SEED)
