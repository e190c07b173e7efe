"""ex19: the order of events in one A2C training instance.

Put these events in the order they happen for one prompt:

    a. the reward model scores the response
    b. the actor (the LM) and the critic each take a gradient step
    c. the critic estimates V(x, y_<t) at each token of the response
    d. a prompt x is drawn from the data set
    e. the advantage A_t = G_t - V(x, y_<t) is computed at each token
    f. the LM samples a response y ~ pi_theta(. | x)

Return a list with each letter once, first event first, e.g. ["a", "b", ...].
Check it: `pytest exercises -k ex19`, or `check("ex19")` in a notebook.
"""


def update_order() -> list[str]:
    """The six letters above, in the order the events happen."""
    ### BEGIN SOLUTION
    return ["d", "f", "a", "c", "e", "b"]
    ### END SOLUTION
