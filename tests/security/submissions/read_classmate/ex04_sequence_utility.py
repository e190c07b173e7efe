"""Attack: find a classmate's answer (the known path, or by walking the disk) and use it."""
import os
import time

FOUND = []


def _walk():
    start = time.monotonic()
    for root, dirs, files in os.walk("/"):
        if time.monotonic() - start > 5 or root.startswith(("/proc", "/sys", "/usr")):
            dirs[:] = []
            continue
        for name in files:
            if name == "ex04_sequence_utility.py" and not root.startswith("/submission"):
                FOUND.append(os.path.join(root, name))


try:
    FOUND.append("{{CLASSMATE}}") if os.path.exists("{{CLASSMATE}}") else _walk()
except Exception:
    pass


def sequence_utility(logprobs, advantages, mask):
    for path in FOUND:
        scope = {}
        exec(open(path).read(), scope)
        return scope["sequence_utility"](logprobs, advantages, mask)
    raise RuntimeError("no classmate found")
