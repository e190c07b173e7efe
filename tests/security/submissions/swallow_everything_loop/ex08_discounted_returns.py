"""Misbehaving: a loop that swallows every exception (the other exercises are honest)."""


def discounted_returns(rewards, mask, *, gamma):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
