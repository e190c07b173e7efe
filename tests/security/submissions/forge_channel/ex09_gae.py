"""Attack: write forged answers, in the grader's wire format, into every open file descriptor."""
import json
import os
import struct


def forged(request_id):
    body = json.dumps({"id": request_id, "value": {"float": 0.0}, "requires_grad": True, "grads": []}).encode()
    return struct.pack(">I", len(body)) + body


def gae(rewards, values, mask, *, gamma, lam):
    for fd in range(3, 64):
        for request_id in range(1, 200):
            try:
                os.write(fd, forged(request_id))
            except OSError:
                break
    return rewards * 0
