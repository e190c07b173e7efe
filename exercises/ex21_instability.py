"""ex21: diagnosing unstable training runs.

Six A2C runs on the review task, each changed in one way from a run that works
(lesson 7 ran runs like these). The reward is the exact one, +1 positive, 0 negative,
-1 outside the grammar, unless a run says otherwise. For each, pick the most likely cause.

    run1: For about six steps it looks like the working run. Then, in one step, the KL to the
          reference jumps by more than 30 nats per review and the fraction of
          grammatical reviews falls to 0 for good. The per-token entropy ends *above*
          where it started: the model babbles long strings of real words.
    run2: Within three steps the KL is above 100 nats and no review is grammatical. By
          the fourth step the entropy is near 0.1 nats per token and every response loops
          over the same two or three tokens (". i . the . i ..."), whatever the prompt.
    run3: It reaches about 94% positive in 40 steps, like the working run, and stays
          grammatical, but ends about twice as far from the reference (KL about 3 nats
          per review against 1.6), with a lower entropy.
    run4: The rewards are 0, 1 or 2. The mean advantage stays near +1.5 for all 40
          steps, so nearly every sampled review is pushed up, good or bad; after 40
          steps it is about 60% positive where the working run is above 80%.
    run5: The rewards are -100, 0 or 100 and the advantages are not whitened. From the
          first step the mean advantage is about 40, the critic's loss about 2,500 and
          the gradient norm in the hundreds (clipped to 1 before the optimiser, Adam,
          sees it). It still learns, more slowly than the working run.
    run6: The rewards are 0, 1 or 2, with the critic's baseline. The mean advantage
          starts near +1.2 and falls to about 0 within 20 steps as the critic learns;
          the fraction positive climbs about as in the working run.

Every number quoted is what lesson 7's runs measured; its checks 7.1 and 7.3 hold
each one within a stated tolerance (for example "about 40": between 30 and 50).

Causes:

    a. the reward's scale
    b. exploding advantages, from a critic that diverges
    c. a learning rate that is too high
    d. no baseline: the advantage is the raw return
    e. no KL penalty to the reference model
    f. nothing is wrong: the critic's baseline absorbs a constant shift of the reward

Return a dict from each run to one letter, e.g. {"run1": "a", ...}.
Check it: `pytest exercises -k ex21`, or `check("ex21")` in a notebook.
"""


def diagnose() -> dict[str, str]:
    """Each run -> the letter of its most likely cause."""
    raise NotImplementedError("ex21: your answer to diagnose goes here")
