"""Misbehaving: tries to fill the disk (the other exercises are honest)."""
import os


def gae(rewards, values, mask, *, gamma, lam):
    for folder in ("/tmp", "/submission", os.getcwd()):
        try:
            with open(os.path.join(folder, "a2c-pwned-fill"), "wb") as f:
                for _ in range(1024):
                    f.write(b"\0" * 1024 * 1024)
        except Exception:
            pass
    return rewards * 0
