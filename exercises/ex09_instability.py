"""ex09: diagnosing unstable training runs.

Four A2C runs on the review task went wrong. For each, pick the most likely cause.

    run1: The reward is in [0, 1] and the critic's loss falls steadily, but the
          actor's loss and the KL to the reference jump from step to step, and
          within 20 steps the model repeats one word forever. The same run with a
          learning rate ten times smaller is smooth.
    run2: Nearly every token of every response gets a positive advantage, even in
          reviews the reward model dislikes (the reward is in [0, 1]). The
          gradient norm swings tenfold between batches, and the reward creeps up
          slowly and noisily.
    run3: The reward is a raw score between 0 and 5000. Advantages are in the
          thousands from the first step, and the first update wrecks the model.
          Dividing every reward by 1000 fixes it.
    run4: The reward stays in [0, 1], but the mean |A| goes 0.3, 2, 40, 900 over
          four steps while the critic's loss grows just as fast.

Causes:

    a. the reward's scale
    b. exploding advantages, from a critic that diverges
    c. a learning rate that is too high
    d. no baseline: the advantage is the raw return

Return a dict from each run to one letter, e.g. {"run1": "a", ...}.
Check it: `pytest exercises -k ex09`, or `check("ex09")` in a notebook.
"""


def diagnose() -> dict[str, str]:
    """Each run -> the letter of its most likely cause."""
    raise NotImplementedError("ex09: your answer to diagnose goes here")
