"""Grades ex10: the bias and variance of the lambda-return against the Monte Carlo truth, on fresh numbers."""

import random

from a2c_lessons.grading import as_choice, as_number, fail, points

EXERCISE = "ex10_gae_bias"
LAMBDAS = ("0", "0.5", "0.9", "0.95", "1")


def fresh_case(seed: int, tokens: int = 6, k: int = 5) -> tuple[list[list[float]], list[list[float]]]:
    """Draws whose token means err both ways (so signed errors cancel), and rewards in {-1, 0, 1}."""
    rng = random.Random(seed)
    draws = [[rng.gauss((-1) ** t * 0.4, 0.3) for _ in range(k)] for t in range(tokens)]
    rewards = [[float(rng.choice((-1, 0, 1))) for _ in range(k)] for _ in range(tokens)]
    return draws, rewards


def reference(draws, rewards):
    errors = [sum(d) / len(d) - sum(r) / len(r) for d, r in zip(draws, rewards)]
    means = [sum(d) / len(d) for d in draws]
    variances = [sum((x - m) ** 2 for x in d) / (len(d) - 1) for d, m in zip(draws, means)]
    return errors, variances


def wrong_biases(draws, rewards) -> dict[str, float]:
    """Known wrong biases, each under the message that explains it."""
    errors, _ = reference(draws, rewards)
    squared = [(x - sum(r) / len(r)) ** 2 for d, r in zip(draws, rewards) for x in d]
    return {
        "your bias is the mean of the signed errors: errors of both signs cancel, so square each token's error "
        "before averaging, then take the root": sum(errors) / len(errors),
        "your bias is the root mean squared error of every draw, which holds the variance as well: compare each "
        "token's mean draw with its truth": (sum(squared) / len(squared)) ** 0.5,
    }


def wrong_variances(draws) -> dict[str, float]:
    """Known wrong variances, each under the message that explains it."""
    pooled = [x for d in draws for x in d]
    pooled_mean = sum(pooled) / len(pooled)
    k = len(draws[0])
    per_token = [sum((x - sum(d) / k) ** 2 for x in d) for d in draws]
    return {
        "your variance spreads over all the tokens together, so it counts how different the tokens are: take "
        "each token's variance over its own continuations": sum((x - pooled_mean) ** 2 for x in pooled)
        / (len(pooled) - 1),
        "divide each token's squared deviations by K - 1, not by K": sum(v / k for v in per_token) / len(draws),
    }


def hint(draws, rewards, got, expected) -> str:
    """The likely mistake behind a wrong (bias, variance)."""
    if abs(got[0] - expected[0]) > 1e-6:
        for text, value in wrong_biases(draws, rewards).items():
            if abs(got[0] - value) < 1e-6:
                return text
        return "the bias is wrong: compare with its definition in the docstring"
    for text, value in wrong_variances(draws).items():
        if abs(got[1] - value) < 1e-6:
            return text
    return "the variance is wrong: compare with its definition in the docstring"


@points(2)
def test_bias_and_variance_on_fresh_numbers(student):
    """bias_and_variance on fresh numbers"""
    for seed in (26, 27, 28):
        draws, rewards = fresh_case(seed)
        got = student.call(EXERCISE, "bias_and_variance", draws, rewards)
        if type(got) not in (tuple, list) or len(got) != 2:
            fail(f"bias_and_variance must return two numbers (bias, variance); got {got!r}.")
        got = tuple(as_number(x, "bias_and_variance()") for x in got)
        errors, variances = reference(draws, rewards)
        expected = ((sum(e * e for e in errors) / len(errors)) ** 0.5, sum(variances) / len(variances))
        if any(abs(a - b) > 1e-6 for a, b in zip(got, expected)):
            fail(f"bias_and_variance returned {got}: {hint(draws, rewards, got, expected)}.")


@points(1)
def test_least_biased_lambda_on_fresh_tables(student):
    """least_biased_lambda on fresh tables"""
    rng = random.Random(26)
    for _ in range(4):
        table = {lam: (rng.random(), rng.random()) for lam in (0.0, 0.5, 0.9, 0.95, 1.0)}
        got = as_number(student.call(EXERCISE, "least_biased_lambda", table), "least_biased_lambda()")
        expected = min(table, key=lambda lam: table[lam][0])
        if abs(got - expected) > 1e-9:
            least_variance = min(table, key=lambda lam: table[lam][1])
            if abs(got - least_variance) < 1e-9:
                fail("That is the lambda with the least variance; the question asks for the least bias.")
            fail(f"least_biased_lambda returned {got} for {table}: pick the smallest first entry (the bias).")


@points(1)
def test_lesson_least_biased(student, answer_key):
    """in lesson 3's measurement, the lambda with the least bias"""
    answer = as_choice(student.call(EXERCISE, "lesson_least_biased"), LAMBDAS, "lesson_least_biased()")
    answer_key.matches("ex10.lesson", answer, otherwise="Read the bias of each lambda in lesson 3's table.")
