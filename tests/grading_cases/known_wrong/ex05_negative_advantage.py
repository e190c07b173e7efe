"""Known wrong: True for question 5; the general function is right."""


def negative_advantage_more_likely():
    return True


def true_or_false(advantage, claim):
    return advantage > 0 if claim == "more likely" else advantage < 0
