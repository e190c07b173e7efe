"""ex07: a reward well above the baseline.

The LM samples a response; the reward model gives it a reward well above the
critic's baseline, so the advantages of its tokens are clearly positive. What
happens to the LM's parameters in the next update?

    a. Nothing: the reward was high, so there is nothing to correct.
    b. They move so that every token of that response becomes less likely, to keep
       the model exploring.
    c. They move so that the tokens of that response become more likely: the
       gradient pushes each token's log pi up in proportion to its advantage
       (how far each probability then moves depends on the softmax and on the
       weights the tokens share, lessons 2 and 3).
    d. Only the critic's parameters change; the LM is updated only when a reward
       falls below the baseline.
    e. They move to raise the reward model's score directly, by backpropagating
       through the reward model.

Return one letter, as a string.
Check it: `pytest exercises -k ex07`, or `check("ex07")` in a notebook.
"""


def above_baseline_update() -> str:
    """The letter of what the next update does to the LM's parameters."""
    ### BEGIN SOLUTION
    return "c"
    ### END SOLUTION
