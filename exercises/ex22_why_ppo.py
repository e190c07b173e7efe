"""ex22: why RLHF in practice uses PPO and its relatives rather than plain A2C.

Which of these are real reasons? Choose every true one.

    a. PPO's clipped probability ratio limits how far several gradient steps on the
       same batch move the policy from the one that sampled it, so a batch can be
       reused without the policy running away on it.
    b. PPO does not need a reward model or any reward.
    c. PPO reuses each batch of sampled responses for several gradient steps,
       which makes the expensive sampling of an LM go further.
    d. PPO removes the need for a KL penalty and for a reference model.
    e. PPO's clip bounds every update, the first step on each batch included, so it
       cures plain A2C's sensitivity to the learning rate (lesson 7).
    f. The A2C gradient is wrong in expectation; PPO's is the exact gradient of the
       expected reward.

Return a set of letters, e.g. {"a", "b"}.
Check it: `pytest exercises -k ex22`, or `check("ex22")` in a notebook.
"""


def reasons() -> set[str]:
    """The letters of every true reason."""
    raise NotImplementedError("ex22: your answer to reasons goes here")
