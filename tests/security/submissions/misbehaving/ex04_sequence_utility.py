"""Misbehaving: raises KeyboardInterrupt when called."""


def sequence_utility(logprobs, advantages, mask):
    raise KeyboardInterrupt
