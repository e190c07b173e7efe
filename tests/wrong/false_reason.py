"""WRONG: two false reasons for PPO chosen (d: no KL needed; e: the clip bounds the first step too)."""

EXERCISE = "ex22_why_ppo"


def reasons():
    return {"a", "c", "d", "e"}  # BUG: d and e are false
