"""Known wrong: G_t leaves out r_t (tests/wrong/off_by_one.py)."""

from tests.wrong import off_by_one_returns as discounted_returns  # noqa: F401
