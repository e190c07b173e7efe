"""ex10: why RLHF in practice uses PPO and its relatives rather than plain A2C.

Which of these are real reasons? Choose every true one.

    a. PPO's clipped probability ratio keeps each update close to the policy that
       sampled the data, so one unlucky batch cannot wreck the model.
    b. PPO does not need a reward model or any reward.
    c. PPO reuses each batch of sampled responses for several gradient steps,
       which makes the expensive sampling of an LM go further.
    d. PPO removes the need for a KL penalty and for a reference model.
    e. Plain A2C is sensitive to the step size: one large step can move the LM's
       distribution far away and collapse it, and nothing pulls it back.
    f. The A2C gradient is wrong in expectation; PPO's is the exact gradient of the
       expected reward.

Return a set of letters, e.g. {"a", "b"}.
Check it: `pytest exercises -k ex10`, or `check("ex10")` in a notebook.
"""


def reasons() -> set[str]:
    """The letters of every true reason."""
    raise NotImplementedError("ex10: your answer to reasons goes here")
