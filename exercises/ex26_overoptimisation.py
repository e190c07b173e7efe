"""ex26: reward over-optimisation.

A reward model was trained on 60 preference labels from a person who likes reviews
that talk about the service. A2C then trained the policy against it with no KL
penalty. Along training, the reward model's score of fresh samples rose and kept
rising, while the share of samples the person would actually like rose at first,
peaked, and fell to zero as the reviews stopped being sentences.

Question 1. What explains the fall?

    a. The reward model is only right on text like the text it was trained on; the
       policy found texts far from those where the reward model is wrong, and those
       are the texts it scores highest.
    b. The learning rate of A2C was too small to follow the reward model.
    c. The critic's baseline was wrong, so the advantages had the wrong sign.
    d. The reward model forgot what it learned while the policy trained.
    e. A2C maximises the expected reward of the reward model only approximately; the
       exact gradient would have kept the person's share rising.

Question 2. Which of these keep the person's share high for longer? Choose every one.

    a. A KL penalty to the starting model (a larger coefficient keeps the policy nearer).
    b. More preference labels for the reward model, over a wider range of texts.
    c. Training for more steps.
    d. Stopping when a held-out set of the person's own labels stops improving.
    e. A larger learning rate.

Check it: `pytest exercises -k ex26`, or `check("ex26")` in a notebook.
"""


def cause() -> str:
    """The letter of the explanation for question 1, as a string."""
    raise NotImplementedError("ex26: your answer to cause goes here")


def remedies() -> set[str]:
    """The letters of every change that helps, for question 2, e.g. {"a", "b"}."""
    raise NotImplementedError("ex26: your answer to remedies goes here")
