"""Grades ex02: the token-utility comparison, on the question's numbers and on fresh ones."""

import math
import random

from a2c_lessons.grading import as_choice, as_number, fail, grade_larger_token, grade_utility_term, number_text, points

EXERCISE = "ex02_utility_terms"
SEED = 4


@points(1)
def test_utility_term_on_fresh_numbers(student):
    """utility_term on fresh numbers"""
    grade_utility_term(student, EXERCISE, SEED)


@points(1)
def test_larger_utility_token_on_fresh_numbers(student):
    """larger_utility_token on fresh numbers"""
    grade_larger_token(student, EXERCISE, SEED)


@points(1)
def test_larger_term_token(student, answer_key):
    """the token with the larger term: innovative or effective"""
    answer = as_choice(student.call(EXERCISE, "larger_term_token"), ("innovative", "effective"), "larger_term_token()")
    answer_key.matches("ex02.token", answer, otherwise="Compare the two terms log pi * A.")


@points(1)
def test_seed_terms(student, answer_key):
    """the value of each token's term"""
    terms = student.call(EXERCISE, "seed_terms")
    if not isinstance(terms, (tuple, list)) or len(terms) != 2:
        fail(f"seed_terms() must return two numbers (innovative, effective); got {terms!r}.")
    for token, term in zip(("innovative", "effective"), terms):
        answer = number_text(as_number(term, "seed_terms()"))
        answer_key.matches(f"ex02.term.{token}", answer, otherwise=f"{answer} is not the term of {token!r} in U.")


@points(1)
def test_harder_pushed_token(student, answer_key):
    """the token whose log-prob the update pushes harder"""
    pushed = student.call(EXERCISE, "harder_pushed_token")
    answer = as_choice(pushed, ("innovative", "effective"), "harder_pushed_token()")
    answer_key.matches("ex02.pushed", answer, otherwise="Differentiate log pi * A with respect to log pi.")


@points(1)
def test_logit_push_on_fresh_numbers(student):
    """logit_push on fresh numbers"""
    rng = random.Random(SEED)
    for _ in range(5):
        logprob, advantage = -rng.uniform(0.05, 4.0), rng.choice((-1, 1)) * rng.uniform(0.5, 5.0)
        got = as_number(student.call(EXERCISE, "logit_push", logprob, advantage), "logit_push()")
        pi = math.exp(logprob)
        if abs(got - advantage * (1 - pi)) < 1e-6:
            continue
        known = {
            "that is the push on log pi; on the logit the softmax takes part of it back, since "
            "d log pi(a) / d z_a = 1 - pi(a)": advantage,
            "that is the term's value log pi * A, not its gradient": logprob * advantage,
            "A pi(a) is what a term takes from each *other* token's logit per unit of that token's probability; "
            "the token's own logit rises by A (1 - pi(a))": advantage * pi,
        }
        hint = next((text for text, value in known.items() if abs(got - value) < 1e-6), "compare with A (1 - pi(a))")
        fail(f"logit_push({logprob:.3f}, {advantage:.3f}) returned {got:g}: {hint}.")
