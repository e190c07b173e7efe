"""Misbehaving: kills its own process when called (the grader cannot catch os._exit)."""

import os


def probability_direction(advantages, mask):
    os._exit(3)
