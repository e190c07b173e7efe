"""Hidden tests of ex02: the same checks on numbers drawn from a seed the students never see."""

from a2c_lessons.grading import grade_larger_token, grade_utility_term, points

EXERCISE = "ex02_utility_terms"
SEED = 4004


@points(1, hidden=True)
def test_utility_term_on_unseen_numbers(student):
    """utility_term on unseen numbers"""
    grade_utility_term(student, EXERCISE, SEED)


@points(1, hidden=True)
def test_larger_utility_token_on_unseen_numbers(student):
    """larger_utility_token on unseen numbers"""
    grade_larger_token(student, EXERCISE, SEED)
