"""Attack: a detached child that keeps every inherited descriptor open, so a reader never sees EOF."""
import os
import time

if os.fork() == 0:
    os.setsid()
    time.sleep(600)  # a2c-escapee
    os._exit(0)


def gae(rewards, values, mask, *, gamma, lam):
    return rewards * 0
