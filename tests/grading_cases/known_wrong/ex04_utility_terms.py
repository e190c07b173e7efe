"""Known wrong: the token with the larger advantage, 'innovative'; the general functions are right."""


def utility_term(logprob, advantage):
    return logprob * advantage


def larger_utility_token(logprob_a, advantage_a, logprob_b, advantage_b):
    return "a" if logprob_a * advantage_a > logprob_b * advantage_b else "b"


def larger_term_token():
    return "innovative"


def seed_terms():
    return -12.0, -2.4
