"""WRONG: 'innovative', the token with the larger advantage; the general functions are right."""

EXERCISE = "ex02_utility_terms"


def utility_term(logprob, advantage):
    return logprob * advantage


def larger_utility_token(logprob_a, advantage_a, logprob_b, advantage_b):
    return "a" if logprob_a * advantage_a > logprob_b * advantage_b else "b"


def larger_term_token():
    return "innovative"  # BUG: compares the advantages, not the terms


def seed_terms():
    return -12.0, -2.4


def harder_pushed_token():
    return "innovative"


def logit_push(logprob, advantage):
    import math

    return advantage * (1 - math.exp(logprob))
