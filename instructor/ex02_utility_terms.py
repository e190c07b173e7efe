"""ex02: comparing two tokens' terms in the utility U = sum_t log pi(y_t | x, y_<t) * A_t.

Two tokens of a response:

    'innovative': log pi = -3.0, advantage A = +4.0
    'effective':  log pi = -1.2, advantage A = +2.0

Which token contributes the larger term to U (larger means less negative), and
what is each term's value? Write the two general functions first: they are
graded on fresh numbers (other values, other signs), not only these.

Then what training uses, the gradient: measured in log pi (dU / d log pi of each
token), which token's log-prob does the update push harder? And on the logits:
with pi = softmax(z), how much does a token's term A log pi(a) raise its own logit
z_a per unit step (`logit_push`, graded on fresh numbers)?
Check it: `pytest exercises -k ex02`, or `check("ex02")` in a notebook.
"""


def utility_term(logprob: float, advantage: float) -> float:
    """The term one token contributes to U, given its log-probability and its advantage."""
    ### BEGIN SOLUTION
    return logprob * advantage
    ### END SOLUTION


def larger_utility_token(logprob_a: float, advantage_a: float, logprob_b: float, advantage_b: float) -> str:
    """Return "a" if token a contributes the larger (less negative) term to U, else "b" (there are no ties)."""
    ### BEGIN SOLUTION
    return "a" if utility_term(logprob_a, advantage_a) > utility_term(logprob_b, advantage_b) else "b"
    ### END SOLUTION


def larger_term_token() -> str:
    """For the two tokens above: "innovative" or "effective"."""
    ### BEGIN SOLUTION
    return "effective"
    ### END SOLUTION


def seed_terms() -> tuple[float, float]:
    """For the two tokens above: (the term of 'innovative', the term of 'effective')."""
    ### BEGIN SOLUTION
    return utility_term(-3.0, 4.0), utility_term(-1.2, 2.0)
    ### END SOLUTION


def harder_pushed_token() -> str:
    """For the two tokens above, measured in log pi: "innovative" or "effective"."""
    ### BEGIN SOLUTION
    return "innovative"  # dU / d log pi = A: 4 against 2
    ### END SOLUTION


def logit_push(logprob: float, advantage: float) -> float:
    """d(A log pi(a)) / d z_a with pi = softmax(z): the rise of the token's own logit per unit step."""
    ### BEGIN SOLUTION
    import math

    return advantage * (1 - math.exp(logprob))
    ### END SOLUTION
