"""Time limits for graded calls: a test that runs past its limit fails, and grading goes on.

A student's infinite loop must cost one test, not the whole grade. On POSIX the
limit is a SIGALRM timer that raises `GradingTimeout` inside whatever Python code
is running, student code included. The timer repeats every `_REPEAT_S` after it
first fires, so a loop that swallows the first exception is interrupted again.
Where there is no SIGALRM (Windows, or a worker thread) the limit is not enforced
in-process; batch grading's per-student subprocess limit still applies there.

A real Ctrl-C during grading raises `UserInterrupt`, which the grader lets through,
so it is not mistaken for a KeyboardInterrupt raised by student code.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator

_REPEAT_S = 0.25


class GradingTimeout(BaseException):
    """Raised inside the running code when a graded test passes its time limit.

    A BaseException, so that a student's `except Exception:` does not swallow it.
    """

    def __init__(self, limit_s: float):
        super().__init__(f"time limit of {limit_s:g} s exceeded")
        self.limit_s = limit_s


class UserInterrupt(KeyboardInterrupt):
    """A real Ctrl-C from the person running the grader (not one raised by student code)."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise GradingTimeout in the running code once `seconds` have passed (None: no limit).

    Restores any timer that was armed before (pytest-timeout's, for one) with the time it had left.
    """
    if not seconds or not _can_alarm():
        yield
        return

    def on_alarm(signum, frame):
        raise GradingTimeout(seconds)

    def on_interrupt(signum, frame):
        raise UserInterrupt()

    start = time.monotonic()
    old_alarm = signal.signal(signal.SIGALRM, on_alarm)
    old_interrupt = signal.signal(signal.SIGINT, on_interrupt)
    old_remaining, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_alarm)
        signal.signal(signal.SIGINT, old_interrupt)
        if old_remaining > 0:
            left = max(old_remaining - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


def disarm() -> None:
    """Stop the repeating timer early: the grader has caught the timeout and is reporting it."""
    if _can_alarm():
        signal.setitimer(signal.ITIMER_REAL, 0)
