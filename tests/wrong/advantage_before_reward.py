"""WRONG: the advantage computed before the reward it needs."""

EXERCISE = "ex02_update_order"


def update_order():
    return ["d", "f", "e", "a", "c", "b"]  # BUG: e (advantage) before a (reward)
