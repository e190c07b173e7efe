"""ex04: comparing two tokens' terms in the utility U = sum_t log pi(y_t | x, y_<t) * A_t.

Two tokens of a response:

    'innovative': log pi = -3.0, advantage A = +4.0
    'effective':  log pi = -1.2, advantage A = +2.0

Which token contributes the larger term to U (larger means less negative), and
what is each term's value? Write the two general functions first: they are
graded on fresh numbers (other values, other signs), not only these.
Check it: `pytest exercises -k ex04`, or `check("ex04")` in a notebook.
"""


def utility_term(logprob: float, advantage: float) -> float:
    """The term one token contributes to U, given its log-probability and its advantage."""
    raise NotImplementedError("ex04: your answer to utility_term goes here")


def larger_utility_token(logprob_a: float, advantage_a: float, logprob_b: float, advantage_b: float) -> str:
    """Return "a" if token a contributes the larger (less negative) term to U, else "b" (there are no ties)."""
    raise NotImplementedError("ex04: your answer to larger_utility_token goes here")


def larger_term_token() -> str:
    """For the two tokens above: "innovative" or "effective"."""
    raise NotImplementedError("ex04: your answer to larger_term_token goes here")


def seed_terms() -> tuple[float, float]:
    """For the two tokens above: (the term of 'innovative', the term of 'effective')."""
    raise NotImplementedError("ex04: your answer to seed_terms goes here")
