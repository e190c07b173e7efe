"""WRONG: True for 'a negative advantage makes the token more likely'; the general function is right."""

EXERCISE = "ex11_negative_advantage"


def negative_advantage_more_likely():
    return True  # BUG


def true_or_false(advantage, claim):
    return advantage > 0 if claim == "more likely" else advantage < 0
