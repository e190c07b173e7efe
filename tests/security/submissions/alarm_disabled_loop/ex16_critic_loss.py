"""Misbehaving: disables every timer it can, then loops forever (the other exercises are honest)."""
import signal


def critic_loss(values, returns, mask):
    for sig in (signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        pass
