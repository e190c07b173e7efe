"""Questions 4 and 5 on fresh numbers, so that a memorised answer to the seed's numbers is not enough.

The numbers come from a seed (public tests use one, hidden tests another), and
the right answers come from the library: `losses.token_utility` for the terms of
U, and one real gradient step on `losses.a2c_loss` for "more or less likely".
"""

from __future__ import annotations

import math

import torch

from a2c_lessons import losses
from a2c_lessons.grading import mistakes
from a2c_lessons.grading.cases import NAIVE_RULES, advantage_claims, logprob_gradient, probability_changes, token_pairs
from a2c_lessons.grading.judge import as_bool, as_choice, as_number
from a2c_lessons.grading.points import fail
from a2c_lessons.grading.submission import Submission

A2C_GRADIENT = logprob_gradient(losses.a2c_loss)


def library_term(logprob: float, advantage: float) -> float:
    """log pi * A of one token, as the library computes it."""
    return float(losses.token_utility(torch.tensor([[logprob]]), torch.tensor([[advantage]])))


def _term_hint(logprob: float, advantage: float, got: float) -> str:
    """The likely mistake behind a wrong term, or a reminder of what a term is."""
    known = {
        "that is the sum; a term of U is a product": logprob + advantage,
        "the sign is flipped: the minus sign belongs to L = -E[U], not to U": -logprob * advantage,
        "that uses the probability; U uses the log-probability": math.exp(logprob) * advantage,
        "that is the ratio; a term of U is a product": logprob / advantage,
    }
    for hint, value in known.items():
        if abs(got - value) < 1e-4:
            mistakes.note(hint)
            return hint
    return "a term of U is the token's log-probability times its advantage"


def grade_utility_term(student: Submission, module: str, seed: int) -> None:
    """utility_term(logprob, advantage) equals the library's term on every seeded token."""
    for pair in token_pairs(seed):
        for logprob, advantage in (pair[:2], pair[2:]):
            got = as_number(student.call(module, "utility_term", logprob, advantage), "utility_term()")
            if abs(got - library_term(logprob, advantage)) > 1e-4:
                fail(f"utility_term({logprob}, {advantage}) returned {got:g}: {_term_hint(logprob, advantage, got)}.")


def grade_larger_token(student: Submission, module: str, seed: int) -> None:
    """larger_utility_token picks the token with the larger term on every seeded pair."""
    pairs = token_pairs(seed)
    answers = [
        as_choice(student.call(module, "larger_utility_token", *pair), ("a", "b"), "larger_utility_token()")
        for pair in pairs
    ]
    expected = ["a" if library_term(*pair[:2]) > library_term(*pair[2:]) else "b" for pair in pairs]
    if answers == expected:
        return
    for name, rule in NAIVE_RULES.items():
        if answers == ["a" if rule(pair) else "b" for pair in pairs]:
            mistakes.note(f"follows {name}", kind="rule")
            fail(f"Your answers follow {name}, not the larger term log pi * A (larger means less negative).")
    pair, answer = next((p, a) for p, a, e in zip(pairs, answers, expected) if a != e)
    fail(f"larger_utility_token{pair} returned {answer!r}: compare the two terms log pi * A, not their parts.")


def grade_true_or_false(student: Submission, module: str, seed: int) -> None:
    """true_or_false(advantage, claim) agrees with one real gradient step on every seeded case."""
    wrong = []
    for advantage, claim in advantage_claims(seed):
        change = float(probability_changes(A2C_GRADIENT, torch.tensor([[advantage]]), torch.tensor([[True]])))
        truth = change > 0 if claim == "more likely" else change < 0
        answer = as_bool(student.call(module, "true_or_false", advantage, claim), "true_or_false()")
        if answer != truth:
            wrong.append((advantage, claim, answer))
    if not wrong:
        return
    if all(advantage == 0 for advantage, _, _ in wrong):
        fail("Your answers for an advantage of exactly 0 are not right: what is the gradient of log pi * 0?")
    advantage, claim, answer = next(w for w in wrong if w[0] != 0)
    fail(
        f"true_or_false({advantage}, {claim!r}) returned {answer}, but one gradient step on L = -E[U] says otherwise. "
        "Which way does minimising -log pi * A push log pi when A has this sign?"
    )
