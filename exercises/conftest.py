"""Loads the a2c-lessons grading plugin (points per test, time limits, the summary table, --grades-json)."""

import pytest

pytest_plugins = ["a2c_lessons.grading.plugin"]


@pytest.fixture(scope="module")
def sampling():
    """The library's sampler, imported in setup rather than under a test's time limit: it loads transformers."""
    from a2c_lessons import sampling

    return sampling
