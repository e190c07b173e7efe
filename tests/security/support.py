"""What the grader's tests share: whether the sandbox runs here, and what to do when it does not."""

from __future__ import annotations

import os
import sys

import pytest

from a2c_lessons.grading import sandbox
from tests.helpers import in_ci

SANDBOX_MODES = ("bwrap", "uid")  # the two sandboxes `grade` may use; CI (root, bubblewrap installed) runs both


def require_sandbox(mode: str = "bwrap") -> None:
    """Skip where the sandbox `mode` cannot run; under CI=true, fail instead: these tests must run there."""
    if mode == "uid":
        as_root = sys.platform.startswith("linux") and os.geteuid() == 0
        why_not = None if as_root else "the uid sandbox needs Linux and the tests running as root"
    else:
        why_not = sandbox.bwrap_works()
    if why_not is None:
        return
    if in_ci():
        pytest.fail(f"the grader's sandbox is missing: {why_not} (CI=true: required)", pytrace=False)
    pytest.skip(f"the grader's sandbox is missing: {why_not}")
