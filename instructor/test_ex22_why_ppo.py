"""Grades ex22: why RLHF uses PPO-style methods."""

from a2c_lessons.grading import as_letter_set, fail, points

EXERCISE = "ex22_why_ppo"
OPTIONS = "abcdef"


@points(3)
def test_reasons(student, answer_key):
    """the true reasons, and only those"""
    chosen = as_letter_set(student.call(EXERCISE, "reasons"), OPTIONS, "reasons()")
    mistakes = []
    for option in OPTIONS:
        is_true = answer_key.accepts("ex22.option", f"{option}:true")
        if is_true != (option in chosen):
            state = "in" if option in chosen else "out"
            mistakes.append(answer_key.feedback("ex22.option", f"{option}:{state}") or f"Reconsider option {option}.")
    if mistakes:
        fail(" ".join(mistakes))
