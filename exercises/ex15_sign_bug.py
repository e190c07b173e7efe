"""ex15: the sign bug, training with L = +E[U] instead of -E[U].

What does the model learn?

    a. The same as with the correct loss, only more slowly.
    b. Nothing: over a batch the positive and negative terms cancel.
    c. Tokens with negative advantage become more likely and tokens with positive
       advantage less likely: the model learns to produce what the reward
       dislikes, and the reward falls.
    d. Training produces NaN at the first step.
    e. Only the critic is affected: the actor's loss does not depend on the sign.

Second part: the KL term is folded into the reward, r'_t = r_t - beta * KL_t, to
keep the model near the reference model. Under the sign bug, does it still act
as a "penalty" on moving away, or as a "bonus" for moving away?
Check it: `pytest exercises -k ex15`, or `check("ex15")` in a notebook.
"""


def sign_bug_effect() -> str:
    """The letter of what training with L = +E[U] teaches the model."""
    raise NotImplementedError("ex15: your answer to sign_bug_effect goes here")


def kl_term_under_sign_bug() -> str:
    """What the KL term in the reward becomes under the sign bug: "penalty" or "bonus"."""
    raise NotImplementedError("ex15: your answer to kl_term_under_sign_bug goes here")
