"""The wire between the grader and the runner: plain values only, each message a length and JSON.

    grader --request--> runner        {"id", "module", "function", "args", "kwargs"}
    grader <--answer--- runner        {"id", "value", "requires_grad", "grads"} or {"id", "error"}

A message is a 4-byte big-endian length, then that many bytes of JSON. A value is
tagged by its exact type: {"float": 1.5}, {"list": [...]}, {"tensor": {"dtype",
"shape", "data" (base64 bytes), "requires_grad"}}. `encode` sends only exact
builtin types and plain tensors, so a subclass that could lie in a comparison is
refused by name; `decode` rebuilds every value from scratch and validates every
field, since on the grader's side the other end is untrusted. This file imports
nothing from `a2c_lessons`: the runner loads it by path inside the sandbox.
"""

from __future__ import annotations

import base64
import json
import math
import numbers
import os
import re
import struct
import sys

MAX_FRAME = 8 * 1024 * 1024  # bytes in one message: far above any graded value
MAX_DEPTH = 16  # nesting of lists, tuples and dicts in one value
TENSOR_DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")
LIBRARY = "a2c_lessons"
# The exercise-name rule, written once: every other place that needs it uses these.
EXERCISE_ID = re.compile(r"ex\d\d")  # how every exercise's module, file and stub message begins: ex04
EXERCISE_MODULE = re.compile(rf"{EXERCISE_ID.pattern}_\w+")  # the module a student hands in: ex04_sequence_utility


def is_exercise(name: str) -> bool:
    """True for a module students hand in, ex04_sequence_utility (or its file, ex04_sequence_utility.py)."""
    return EXERCISE_MODULE.fullmatch(name.removesuffix(".py")) is not None


def exercise_id(name: str) -> str:
    """ex04 for ex04_sequence_utility (or its file or a test of it); a name that is no exercise's, unchanged."""
    match = EXERCISE_ID.match(name)
    return match.group(0) if match else name


class ErrorKind:
    """The kinds of error the runner reports (`{"error": {"kind": ...}}`): runner.py sends, feedback.py words them."""

    MISSING_FILE = "missing_file"
    MISSING_FUNCTION = "missing_function"
    IMPORT = "import"
    RAISED = "raised"
    BACKWARD = "backward"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"


class WireError(ValueError):
    """A message that does not follow the wire format (from a buggy or hostile runner)."""


# ---------------------------------------------------------------- the wire format (both sides)


def encode(value, depth: int = 0):
    """A JSON-able tagged form of `value`: exact builtin types and plain tensors only.

    Raises TypeError naming the first value of another type (a subclass included).
    """
    if depth > MAX_DEPTH:
        raise TypeError("a value nested more than 16 levels deep")
    kind = type(value)
    if value is None or kind in (bool, str):
        return {kind.__name__ if value is not None else "none": value}
    if kind is int or kind is float:
        return {kind.__name__: value}
    if kind in (list, tuple):
        return {kind.__name__: [encode(v, depth + 1) for v in value]}
    if kind in (set, frozenset):
        return {"set": [encode(v, depth + 1) for v in sorted(value, key=repr)]}
    if kind is dict:
        return {"dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if is_plain_tensor(value):
        return {"tensor": _encode_tensor(value)}
    if isinstance(value, numbers.Real) and not isinstance(value, bool):  # numpy scalars: only the number crosses
        number = int(value) if isinstance(value, numbers.Integral) else float(value)
        if type(number) in (int, float):
            return {type(number).__name__: number}
    raise TypeError(f"a value of type {kind.__module__}.{kind.__qualname__}")


def is_plain_tensor(value) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and type(value) is torch.Tensor


def _encode_tensor(tensor) -> dict:
    if tensor.layout is not sys.modules["torch"].strided or tensor.is_complex() or tensor.is_quantized:
        raise TypeError(f"a {tensor.layout} / {tensor.dtype} tensor (send a plain real tensor)")
    plain = tensor.detach().cpu()
    if str(plain.dtype).removeprefix("torch.") not in TENSOR_DTYPES:
        plain = plain.float()  # bfloat16 and friends: numpy has no such type
    raw = plain.contiguous().numpy().tobytes()
    if len(raw) > MAX_FRAME:
        raise TypeError(f"a tensor of {len(raw)} bytes (more than the {MAX_FRAME} a message may hold)")
    data = base64.b64encode(raw).decode()
    return {
        "dtype": str(plain.dtype).removeprefix("torch."),
        "shape": list(plain.shape),
        "data": data,
        "requires_grad": bool(tensor.requires_grad),
    }


def decode(obj, depth: int = 0):
    """The value `encode` made, rebuilt from scratch; WireError on anything malformed."""
    if depth > MAX_DEPTH or type(obj) is not dict or len(obj) != 1:
        raise WireError(f"not a tagged value: {str(obj)[:80]!r}")
    ((tag, body),) = obj.items()
    scalars = {"none": type(None), "bool": bool, "int": int, "float": float, "str": str}
    if tag in scalars:
        if type(body) is not scalars[tag]:
            raise WireError(f"a {tag} holding {type(body).__name__}")
        return body
    if tag in ("list", "tuple", "set") and type(body) is list:
        items = [decode(v, depth + 1) for v in body]
        return {"list": list, "tuple": tuple, "set": _hashable_set}[tag](items)
    if tag == "dict" and type(body) is list:
        pairs = [_pair(p, depth) for p in body]
        return dict(pairs)
    if tag == "tensor" and type(body) is dict:
        return _decode_tensor(body)
    raise WireError(f"unknown tag {tag!r}")


def _hashable_set(items: list) -> set:
    if not all(type(v) in (str, int, float, bool, type(None)) for v in items):
        raise WireError("a set may only hold strings and numbers")
    return set(items)


def _pair(pair, depth: int) -> tuple:
    if type(pair) is not list or len(pair) != 2:
        raise WireError("a dict entry that is not a [key, value] pair")
    key = decode(pair[0], depth + 1)
    if type(key) not in (str, int, float, bool, type(None)):
        raise WireError("a dict key that is not a string or a number")
    return key, decode(pair[1], depth + 1)


def _decode_tensor(body: dict):
    import torch

    dtype, shape, data = body.get("dtype"), body.get("shape"), body.get("data")
    if dtype not in TENSOR_DTYPES or type(shape) is not list or type(data) is not str:
        raise WireError(f"a malformed tensor (dtype {dtype!r})")
    if len(shape) > 8 or not all(type(n) is int and 0 <= n for n in shape):
        raise WireError(f"a tensor with shape {shape!r}")
    raw = base64.b64decode(data, validate=True)
    torch_dtype = getattr(torch, dtype)
    itemsize = torch.empty((), dtype=torch_dtype).element_size()
    if math.prod(shape) * itemsize != len(raw):
        raise WireError(f"a tensor of shape {shape} with {len(raw)} bytes of data")
    if not raw:
        tensor = torch.empty(shape, dtype=torch_dtype)
    else:
        tensor = torch.frombuffer(bytearray(raw), dtype=torch_dtype).reshape(shape).clone()
    return tensor.requires_grad_() if body.get("requires_grad") is True and tensor.is_floating_point() else tensor


def write_frame(fd: int, message: dict) -> None:
    data = json.dumps(message).encode()
    if len(data) > MAX_FRAME:
        raise TypeError(f"a message of {len(data)} bytes (the limit is {MAX_FRAME})")
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def parse_frame(data: bytes) -> dict:
    try:
        message = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise WireError(f"a message that is not JSON ({err})") from None
    if type(message) is not dict:
        raise WireError("a message that is not a JSON object")
    return message
