"""Known wrong: the sign bug, L = +E[U] (tests/wrong/flipped_sign.py)."""

from tests.wrong import flipped_sign_a2c_loss as a2c_loss  # noqa: F401
