"""Misbehaving: a number instead of a letter for the actor."""


def actor_role():
    return 4


def critic_role():
    return "b"
