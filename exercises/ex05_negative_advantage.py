"""ex05: what a negative advantage does.

True or false: a negative advantage makes the model more likely to pick that
token again.

Then the general case, graded on fresh numbers: after one small gradient step on
L = -E[U], is the claim "the token is now more likely" (or "less likely") true for
a token whose advantage is `advantage`? (An advantage may also be exactly 0.)
Check it: `pytest exercises -k ex05`, or `check("ex05")` in a notebook.
"""


def negative_advantage_more_likely() -> bool:
    """True or False: a negative advantage makes the model more likely to pick that token again."""
    raise NotImplementedError("ex05: your answer to negative_advantage_more_likely goes here")


def true_or_false(advantage: float, claim: str) -> bool:
    """Is `claim` ("more likely" or "less likely") true of a token with this advantage after one update?"""
    raise NotImplementedError("ex05: your answer to true_or_false goes here")
