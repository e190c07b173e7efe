"""Hidden test of ex11: true_or_false on advantages drawn from a seed the students never see."""

from a2c_lessons.grading import grade_true_or_false, points

EXERCISE = "ex11_negative_advantage"


@points(1, hidden=True)
def test_true_or_false_on_unseen_advantages(student):
    """true_or_false on unseen advantages"""
    grade_true_or_false(student, EXERCISE, 5005)
