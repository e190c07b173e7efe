"""What tests in several folders need alike: whether this run is CI, and a bounded wait that says what it waited for."""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def in_ci() -> bool:
    """CI=true (or 1, yes): a missing prerequisite (a sandbox, a browser) fails the test there instead of skipping."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    *,
    poll: float = 0.2,
    error: type[AssertionError] = AssertionError,
) -> None:
    """Poll `condition` until it holds; past `timeout` seconds raise `error` naming `what`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise error(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)
