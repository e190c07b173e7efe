"""WRONG: run3 (no KL penalty) blamed on the learning rate, run6 (a shift the critic absorbs) on no baseline."""

EXERCISE = "ex21_instability"


def diagnose():
    return {"run1": "c", "run2": "c", "run3": "c", "run4": "d", "run5": "a", "run6": "d"}  # BUG: run3, run6
