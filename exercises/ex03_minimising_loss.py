"""ex03: what minimising L = -E[U] does to the model's behaviour.

    a. Every sampled response becomes more likely, good and bad alike: the model
       imitates its own samples.
    b. Probability moves toward tokens with positive advantage and away from tokens
       with negative advantage, so the expected reward rises.
    c. The model learns to write shorter responses, because fewer tokens make the
       sum in U smaller.
    d. The model maximises the likelihood of a data set of good responses, as in
       pretraining.
    e. The model lowers its reward, so that the critic can predict it more easily.

Return one letter, as a string.
Check it: `pytest exercises -k ex03`, or `check("ex03")` in a notebook.
"""


def minimising_loss_effect() -> str:
    """The letter of what minimising L = -E[U] does."""
    raise NotImplementedError("ex03: your answer to minimising_loss_effect goes here")
