"""WRONG: the advantage computed before the reward it needs."""

EXERCISE = "ex19_update_order"


def update_order():
    return ["d", "f", "e", "a", "c", "b"]  # BUG: e (advantage) before a (reward)
