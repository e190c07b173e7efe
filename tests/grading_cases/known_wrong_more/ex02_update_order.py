"""Known wrong: the advantage before the reward."""


def update_order():
    return ["d", "f", "e", "a", "c", "b"]
