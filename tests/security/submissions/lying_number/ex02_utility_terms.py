"""Attack: numbers and answers that claim to equal anything."""


class Anything(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    def __abs__(self):
        return 0.0


def utility_term(logprob, advantage):
    return Anything(0.0)


def larger_utility_token(logprob_a, advantage_a, logprob_b, advantage_b):
    return Anything(0.0)


def larger_term_token():
    return Anything(0.0)


def seed_terms():
    return Anything(0.0), Anything(0.0)
