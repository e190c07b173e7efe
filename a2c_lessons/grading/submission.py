"""A student's submission as the trusted grader sees it: every call crosses to the sandboxed runner.

    student.call("ex04_sequence_utility", "sequence_utility", logprobs, advantages, mask)
        -> a plain value (a torch.Tensor, a str, ...) rebuilt in the grader, or a failed test

Student code never runs in this process. A call sends the inputs to the runner
(`runner.py`, started in the sandbox of `sandbox.py`) and waits, never longer than
the test's time limit, for plain data back. A call that runs past the limit, or a
runner that dies, costs that exercise: the runner is killed with everything it
started, and the exercise's later tests fail at once with the reason, while the
other exercises go on in a fresh runner (torch is imported once per runner).
"""

from __future__ import annotations

import ast
import contextlib
import os
import select
import signal
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from a2c_lessons.grading import wire
from a2c_lessons.grading.feedback import describe
from a2c_lessons.grading.points import fail
from a2c_lessons.grading.sandbox import Sandbox

CALL_LIMIT_S = 10.0  # a call made outside a test's own limit
START_LIMIT_S = 120.0  # importing torch on a loaded machine; not charged to the test
_STDERR_KEPT = 4000  # bytes of the runner's stderr kept for the instructor


@dataclass
class Grad:
    """Marks a tensor argument whose gradient the runner sends back: `differentiate(..., Grad(logprobs), ...)`."""

    tensor: Any


@dataclass
class Derivative:
    """What `Submission.differentiate` returns.

    value: the function's output; requires_grad: whether a graph led back from it;
    grads: d(output.sum())/d(input) for each Grad input, in order, None where none flowed.
    """

    value: Any
    requires_grad: bool
    grads: list


class RunnerGone(Exception):
    """The runner died, overran, or broke the wire format; `reason` says which, for the student."""

    def __init__(self, reason: str, *, timed_out: bool = False):
        super().__init__(reason)
        self.reason, self.timed_out = reason, timed_out


def library_import(path: Path) -> str | None:
    """'line N' if the file imports the course library (statically visible), else None."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, RecursionError, MemoryError, OSError):
        return None  # the runner's import reports what is wrong with the file
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value] if wire.LIBRARY in node.value else []
        if any(n.split(".")[0] == wire.LIBRARY or wire.LIBRARY in n for n in names):
            return f"line {node.lineno}"
    return None


def terminate(proc: subprocess.Popen) -> None:
    """Kill a runner and its whole process group (bwrap's namespace goes with its first process)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


class Submission:
    """One student's exercise files, graded through one runner at a time."""

    def __init__(self, folder: Path, sandbox: Sandbox | None = None):
        self.folder, self.sandbox = Path(folder), sandbox or Sandbox()
        self.proc: subprocess.Popen | None = None
        self.broken: dict[str, str] = {}  # module -> why its remaining tests fail at once
        self.deadline: float | None = None
        self.stderr = bytearray()
        self._next_id, self._limit, self._ready = 0, CALL_LIMIT_S, False

    # ---------------------------------------------------------------- the runner's life

    def start(self) -> None:
        """Start a runner (it imports torch in the background until the first call needs it)."""
        if self.proc is None:
            command = self.sandbox.command(self.folder)
            self.proc = subprocess.Popen(
                command,
                env=self.sandbox.environment(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=0,
                start_new_session=True,
            )
            os.set_blocking(self.proc.stdin.fileno(), False)
            threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
            self._ready = False

    def _drain(self, stream) -> None:
        """Keep the head of the runner's stderr (prints, crashes) and discard the rest, so it never blocks."""
        for chunk in iter(lambda: stream.read(65536), b""):
            if len(self.stderr) < _STDERR_KEPT:
                self.stderr += chunk[: _STDERR_KEPT - len(self.stderr)]

    def close(self) -> None:
        """Kill the runner and every process of the sandbox."""
        if self.proc is not None:
            terminate(self.proc)
            self.proc = None
        self.sandbox.kill_all()

    @contextlib.contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Calls inside the block share this many seconds (one test's limit)."""
        self.deadline, self._limit = time.monotonic() + seconds, seconds
        try:
            yield
        finally:
            self.deadline, self._limit = None, CALL_LIMIT_S

    def _ensure_ready(self) -> None:
        """Wait for the runner's first message; the wait is not charged to the test's time limit."""
        self.start()
        if self._ready:
            return
        started = time.monotonic()
        try:
            self._receive("ready", started + START_LIMIT_S, "starting")
        except RunnerGone as gone:
            self.close()
            fail(
                f"The grader could not start the process that runs your code (it {gone.reason}). "
                "This is not a verdict on your answer: tell your instructor."
            )
        self._ready = True
        if self.deadline is not None:
            self.deadline += time.monotonic() - started

    # ---------------------------------------------------------------- the wire

    def _send(self, message: dict, deadline: float) -> None:
        payload = wire.json.dumps(message).encode()
        data = memoryview(struct.pack(">I", len(payload)) + payload)
        fd = self.proc.stdin.fileno()
        while data:
            if not select.select([], [fd], [], max(0.0, deadline - time.monotonic()))[1]:
                raise RunnerGone("did not read its input in time", timed_out=True)
            try:
                data = data[os.write(fd, data) :]
            except BrokenPipeError:
                raise RunnerGone(self._death()) from None

    def _read(self, n: int, deadline: float) -> bytes:
        fd, chunks = self.proc.stdout.fileno(), []
        while n:
            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise RunnerGone("time limit", timed_out=True)
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                raise RunnerGone(self._death())
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _receive(self, request_id, deadline: float, what: str) -> dict:
        (length,) = struct.unpack(">I", self._read(4, deadline))
        if length > wire.MAX_FRAME:
            raise RunnerGone(f"sent {length} bytes, more than the {wire.MAX_FRAME} a message may hold")
        try:
            answer = wire.parse_frame(self._read(length, deadline))
        except wire.WireError as err:
            raise RunnerGone(f"broke the grader's wire format ({err}): did your code write to it?") from None
        if answer.get("id") != request_id:
            raise RunnerGone(f"answered a request it was not asked while {what} ran: did your code write to it?")
        return answer

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "closed its output"
        if code < 0:
            return f"was killed by signal {-code} (out of memory, or a crash)"
        return f"exited with code {code} (os._exit, or a crash)"

    # ---------------------------------------------------------------- calls

    def _request(self, module: str, function: str, args: tuple, kwargs: dict) -> dict:
        what = f"{function}()"
        if module in self.broken:
            fail(self.broken[module])
        line = library_import(self.folder / f"{module}.py") if (self.folder / f"{module}.py").is_file() else None
        if line:
            fail(
                f"{module}.py imports {wire.LIBRARY} ({line}): a graded exercise must be your own code, "
                "not the course library's, so this exercise scores 0."
            )
        self._next_id += 1
        request = {"id": self._next_id, "module": module, "function": function}
        request.update(args=wire.encode(list(args)), kwargs=wire.encode(dict(kwargs)))
        self._ensure_ready()
        limit = self.deadline if self.deadline is not None else time.monotonic() + CALL_LIMIT_S
        try:
            self._send(request, limit)
            return self._receive(self._next_id, limit, what)
        except RunnerGone as gone:
            self.close()
            if gone.timed_out:
                message = f"{what} did not finish within the time limit of {self._limit:g} s (an infinite loop?)."
                self.broken[module] = f"Not run: an earlier test of {module} ran past its time limit."
            else:
                message = f"The process running your code {gone.reason} while {what} ran."
                self.broken[module] = f"Not run: the process running {module} {gone.reason} in an earlier test."
            fail(message)

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        """The student's `module.function(*args, **kwargs)`, run in the sandbox; its value, or a failed test."""
        answer = self._request(module, function, args, kwargs)
        return self._value(answer, module, function)

    def differentiate(self, module: str, function: str, *args: Any, **kwargs: Any) -> Derivative:
        """Call, then backpropagate output.sum() to the arguments wrapped in `Grad`."""
        plain = tuple(a.tensor.detach().clone().requires_grad_() if isinstance(a, Grad) else a for a in args)
        answer = self._request(module, function, plain, kwargs)
        value = self._value(answer, module, function)
        marked = sum(isinstance(a, Grad) for a in args)
        grads = answer.get("grads")
        if type(grads) is not list or len(grads) != marked:
            fail(f"{function}() answered without the gradients the grader asked for.")
        return Derivative(value, answer.get("requires_grad") is True, [self._decode(g) for g in grads])

    def _value(self, answer: dict, module: str, function: str) -> Any:
        if "error" in answer:
            fail(describe(answer["error"], f"{function}()", module))
        return self._decode(answer.get("value"))

    def _decode(self, encoded: Any) -> Any:
        if encoded is None:
            return None
        try:
            return wire.decode(encoded)
        except (wire.WireError, ValueError, TypeError, RecursionError) as err:
            fail(f"The runner answered with a malformed value ({str(err)[:200]}).")
