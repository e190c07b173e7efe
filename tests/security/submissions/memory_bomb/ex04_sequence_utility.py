"""Misbehaving: asks for 64 GB (the other exercises are honest)."""


def sequence_utility(logprobs, advantages, mask):
    hog = bytearray(64 * 1024**3)
    return hog
