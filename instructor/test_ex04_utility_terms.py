"""Grades ex04: the token-utility comparison, on the question's numbers and on fresh ones."""

from a2c_lessons.grading import as_choice, as_number, check_larger_token, check_utility_term, fail, number_text, points

EXERCISE = "ex04_utility_terms"
SEED = 4


@points(1)
def test_utility_term_on_fresh_numbers(student):
    """utility_term on fresh numbers"""
    check_utility_term(student, EXERCISE, SEED)


@points(1)
def test_larger_utility_token_on_fresh_numbers(student):
    """larger_utility_token on fresh numbers"""
    check_larger_token(student, EXERCISE, SEED)


@points(1)
def test_larger_term_token(student, answer_key):
    """the token with the larger term: innovative or effective"""
    answer = as_choice(student.call(EXERCISE, "larger_term_token"), ("innovative", "effective"), "larger_term_token()")
    answer_key.check("ex04.token", answer, otherwise="Compare the two terms log pi * A.")


@points(1)
def test_seed_terms(student, answer_key):
    """the value of each token's term"""
    terms = student.call(EXERCISE, "seed_terms")
    if not isinstance(terms, (tuple, list)) or len(terms) != 2:
        fail(f"seed_terms() must return two numbers (innovative, effective); got {terms!r}.")
    for token, term in zip(("innovative", "effective"), terms):
        answer = number_text(as_number(term, "seed_terms()"))
        answer_key.check(f"ex04.term.{token}", answer, otherwise=f"{answer} is not the term of {token!r} in U.")
