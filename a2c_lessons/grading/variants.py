"""Questions 4 and 5 on fresh numbers, so that a memorised answer to the seed's numbers is not enough.

The numbers come from a seed (public tests use one, hidden tests another), and
the right answers come from the library: `losses.token_utility` for the terms of
U, and one real gradient step on `losses.a2c_loss` for "more or less likely". The
numbers are drawn so that every shortcut a student might take instead (`NAIVE_RULES`:
the larger advantage, the larger log-probability, ...) gets some of them wrong, and
a student whose answers follow one is told which.
"""

from __future__ import annotations

import math

import torch

from a2c_lessons import losses
from a2c_lessons.grading import mistakes
from a2c_lessons.grading.cases import logprob_gradient, probability_changes
from a2c_lessons.grading.judge import as_bool, as_choice, as_number
from a2c_lessons.grading.points import fail
from a2c_lessons.grading.submission import Submission

A2C_GRADIENT = logprob_gradient(losses.a2c_loss)


# ---------------------------------------------------------------- fresh numbers, and the shortcuts they defeat

# the shortcuts students take instead of comparing terms: name -> rule(pair) -> True if it picks token a
NAIVE_RULES = {
    "the larger advantage": lambda p: p[1] > p[3],
    "the larger log-probability": lambda p: p[0] > p[2],
    "the larger magnitude |log pi * A|": lambda p: abs(p[0] * p[1]) > abs(p[2] * p[3]),
}


def token_pairs(seed: int, n: int = 6) -> list[tuple[float, float, float, float]]:
    """(logprob_a, advantage_a, logprob_b, advantage_b) pairs whose terms differ by more than 0.1.

    Every naive rule (larger advantage, larger log-prob, larger |term|) picks the
    wrong token for at least two pairs, so only comparing log pi * A passes.
    """
    gen = torch.Generator().manual_seed(seed)
    broken = dict.fromkeys(NAIVE_RULES, 0)
    pairs: list[tuple[float, float, float, float]] = []
    while len(pairs) < n or min(broken.values()) < 2:
        logprobs = [-int(i) / 10 for i in torch.randint(1, 50, (2,), generator=gen)]  # -0.1 .. -4.9
        advantages = [int(i) / 10 for i in torch.randint(-40, 41, (2,), generator=gen)]  # -4.0 .. 4.0
        pair = (logprobs[0], advantages[0], logprobs[1], advantages[1])
        a_wins = pair[0] * pair[1] > pair[2] * pair[3]
        if abs(pair[0] * pair[1] - pair[2] * pair[3]) <= 0.1 or 0.0 in advantages:
            continue
        breaks = [name for name, rule in NAIVE_RULES.items() if rule(pair) != a_wins]
        if len(pairs) < n or any(broken[name] < 2 for name in breaks):
            pairs.append(pair)
            for name in breaks:
                broken[name] += 1
    return pairs


def advantage_claims(seed: int) -> list[tuple[float, str]]:
    """(advantage, claim) cases: each claim with a positive, a negative and a zero advantage, in a seeded order."""
    gen = torch.Generator().manual_seed(seed)
    size = [int(i) / 10 for i in torch.randint(1, 31, (4,), generator=gen)]  # 0.1 .. 3.0
    cases = [
        (size[0], "more likely"),
        (-size[1], "more likely"),
        (0.0, "more likely"),
        (size[2], "less likely"),
        (-size[3], "less likely"),
        (0.0, "less likely"),
    ]
    order = torch.randperm(len(cases), generator=gen).tolist()
    return [cases[i] for i in order]


# ---------------------------------------------------------------- grading the answers on them


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
