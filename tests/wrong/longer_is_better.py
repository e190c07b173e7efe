"""WRONG: over-optimisation blamed on the learning rate; training longer taken for a remedy."""

EXERCISE = "ex26_overoptimisation"


def cause():
    return "b"  # BUG


def remedies():
    return {"a", "b", "c", "d"}  # BUG: c (more steps) moves further past the peak
