"""Cheat: the library's own gae instead of the student's."""
from a2c_lessons.advantages import gae as library_gae


def gae(rewards, values, mask, *, gamma, lam):
    return library_gae(rewards, values, mask, gamma=gamma, lam=lam)
