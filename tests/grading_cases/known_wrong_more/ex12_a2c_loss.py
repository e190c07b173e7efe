"""Known wrong: the mask is ignored (tests/wrong/unmasked.py)."""

from tests.wrong import unmasked_a2c_loss as a2c_loss  # noqa: F401
