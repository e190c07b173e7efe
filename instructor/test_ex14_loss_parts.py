"""Grades ex14: the name of each part of L and U."""

from a2c_lessons.grading import as_letter_map, fail, points

EXERCISE = "ex14_loss_parts"
PARTS = ("minus", "E_x", "y_sample", "sum_t", "log_pi", "A")


def _grade_parts(student, answer_key, parts: tuple[str, ...]) -> None:
    answers = as_letter_map(student.call(EXERCISE, "loss_parts"), PARTS, "abcdef", "loss_parts()")
    wrong = [
        answer_key.feedback(f"ex14.{part}", answers[part]) or f"The meaning you gave for {part!r} is not right."
        for part in parts
        if not answer_key.accepts(f"ex14.{part}", answers[part])
    ]
    if wrong:
        fail(" ".join(wrong))


@points(2)
def test_parts_of_the_utility(student, answer_key):
    """the parts of U: sum_t, log_pi, A"""
    _grade_parts(student, answer_key, ("sum_t", "log_pi", "A"))


@points(1)
def test_parts_of_the_loss(student, answer_key):
    """the parts of L: minus, E_x, y_sample"""
    _grade_parts(student, answer_key, ("minus", "E_x", "y_sample"))
