"""ex11: what a negative advantage does.

The setting: a single token a in its own softmax, pi = softmax(z) with the logits z
as the parameters, and one small gradient step on L = -A log pi(a). (In a batch,
tokens share weights and a softmax, and lessons 2 and 3 show a token moving against
its own sign; this question is about the single token alone.)

True or false: in that setting, a negative advantage makes the model more likely to
pick that token again.

Then the general case, graded on fresh numbers: after that one small step, is the
claim "the token is now more likely" (or "less likely") true for a token whose
advantage is `advantage`? (An advantage may also be exactly 0.)
Check it: `pytest exercises -k ex11`, or `check("ex11")` in a notebook.
"""


def negative_advantage_more_likely() -> bool:
    """True or False: for a single token in its own softmax, after one small step, a negative advantage makes
    the model more likely to pick that token again."""
    ### BEGIN SOLUTION
    return False
    ### END SOLUTION


def true_or_false(advantage: float, claim: str) -> bool:
    """Is `claim` ("more likely" or "less likely") true of a single token with this advantage, in its own softmax,
    after one small step?"""
    ### BEGIN SOLUTION
    if claim == "more likely":
        return advantage > 0
    return advantage < 0
    ### END SOLUTION
