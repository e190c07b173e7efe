"""WRONG: one false reason for PPO chosen (d), one true reason missed (e)."""

EXERCISE = "ex10_why_ppo"


def reasons():
    return {"a", "c", "d"}  # BUG
