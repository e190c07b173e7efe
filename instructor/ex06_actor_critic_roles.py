"""ex06: the roles of the actor and the critic in one A2C update step.

One A2C update of a language model involves two learned networks, the actor and
the critic. Which sentence describes each?

    a. It scores a finished response with one number, the reward.
    b. It predicts V(x, y_<t), the return it expects from a state; that prediction
       is the baseline, and its own update moves V toward the return observed.
    c. It is a frozen copy of the starting model, kept only for the KL penalty.
    d. It writes the response token by token; its update raises log pi of tokens
       with positive advantage and lowers it for tokens with negative advantage.
    e. It turns a reward into an advantage by sampling several more responses.

Return one letter each, as a string, e.g. `return "a"`.
Check it: `pytest exercises -k ex06`, or `check("ex06")` in a notebook.
"""


def actor_role() -> str:
    """The letter of the sentence that describes the actor."""
    ### BEGIN SOLUTION
    return "d"
    ### END SOLUTION


def critic_role() -> str:
    """The letter of the sentence that describes the critic."""
    ### BEGIN SOLUTION
    return "b"
    ### END SOLUTION
