"""What tests in several folders need alike: whether this run is CI, a bounded wait that says what it waited for,
and where pip finds the CPU build of torch."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


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


def local_torch_wheels() -> str | None:
    """The folder of pip's find-links (its environment, else its configuration) that holds this torch's CPU
    wheel, for a fresh venv that must not download the CUDA build; None when there is none."""
    links = (
        os.environ.get("PIP_FIND_LINKS")
        or subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.find-links"], capture_output=True, text=True
        ).stdout
    )
    import torch  # only the tests that build a venv need it

    version = torch.__version__.split("+")[0]
    for folder in links.split():
        if list(Path(folder).glob(f"torch-{version}*cpu*.whl")):
            return folder
    return None
