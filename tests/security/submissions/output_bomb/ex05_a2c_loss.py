"""Misbehaving: prints 20 MB, then fails with a 20 MB message (the other exercises are honest)."""
import sys


def a2c_loss(logprobs, advantages, mask):
    sys.stdout.write("x" * 20_000_000)
    sys.stderr.write("y" * 20_000_000)
    raise ValueError("z" * 20_000_000)
