"""Grades ex03: what minimising L = -E[U] does to the model."""

from a2c_lessons.grading import as_letter, points

EXERCISE = "ex03_minimising_loss"


@points(2)
def test_minimising_loss_effect(student, answer_key):
    """the effect of minimising L"""
    answer = as_letter(student.call(EXERCISE, "minimising_loss_effect"), "abcde", "minimising_loss_effect()")
    answer_key.matches("ex03.effect", answer, otherwise="Not quite: what does the sign of A do to each token's term?")
