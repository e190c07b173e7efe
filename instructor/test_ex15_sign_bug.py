"""Grades ex15: the sign bug, L = +E[U]."""

from a2c_lessons.grading import as_choice, as_letter, points

EXERCISE = "ex15_sign_bug"


@points(2)
def test_sign_bug_effect(student, answer_key):
    """what the model learns under the sign bug"""
    answer = as_letter(student.call(EXERCISE, "sign_bug_effect"), "abcde", "sign_bug_effect()")
    answer_key.matches("ex15.effect", answer, otherwise="Not quite: follow one token with A > 0 under L = +E[U].")


@points(1)
def test_kl_term_under_sign_bug(student, answer_key):
    """the KL term in the reward under the sign bug"""
    answer = as_choice(
        student.call(EXERCISE, "kl_term_under_sign_bug"), ("penalty", "bonus"), "kl_term_under_sign_bug()"
    )
    answer_key.matches("ex15.kl", answer, otherwise="Not quite.")
