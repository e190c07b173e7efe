"""Grades ex26: why a policy over-optimises a learned reward, and what slows it."""

from a2c_lessons.grading import as_letter, as_letter_set, fail, points

EXERCISE = "ex26_overoptimisation"
OPTIONS = "abcde"


@points(1)
def test_cause(student, answer_key):
    """why the person's share falls while the learned reward rises"""
    answer = as_letter(student.call(EXERCISE, "cause"), OPTIONS, "cause()")
    answer_key.matches("ex26.cause", answer, otherwise="That would not make the learned reward keep rising.")


@points(2)
def test_remedies(student, answer_key):
    """the changes that keep the person's share high for longer, and only those"""
    chosen = as_letter_set(student.call(EXERCISE, "remedies"), OPTIONS, "remedies()")
    mistakes = []
    for option in OPTIONS:
        helps = answer_key.accepts("ex26.remedy", f"{option}:true")
        if helps != (option in chosen):
            state = "in" if option in chosen else "out"
            mistakes.append(answer_key.feedback("ex26.remedy", f"{option}:{state}") or f"Reconsider option {option}.")
    if mistakes:
        fail(" ".join(mistakes))
