"""The untrusted side of grading: runs a student's functions and answers with plain data only.

    grader (trusted: tests, references, keys)  --request-->  runner (this file, in the sandbox)
                                               <--answer---

The grader starts `python -I -B runner.py SUBMISSION_DIR` inside the sandbox (see
`sandbox.py`) and sends one request per call of a student function, in the format
of `wire.py`. This file imports nothing from `a2c_lessons` (it loads `wire.py` by
path), so it runs where the library is not visible.

Everything before `serve()` reads a request is trusted set-up, as `sandbox.py`
decided it (passed as `--setup` JSON): import torch once and warm it up, drop to the
sandbox's uid, set resource limits, and take the channel's
file descriptors away from stdin/stdout (a student's print goes to stderr). From
then on the process holds student code, so the grader believes nothing it says
beyond the plain values it returns.
"""

from __future__ import annotations

import importlib.util
import os
import struct
import sys
import traceback

MAX_TEXT = 2000  # characters kept of an exception's message or a line of code


def _load_wire():
    spec = importlib.util.spec_from_file_location("a2c_wire", os.path.join(os.path.dirname(__file__), "wire.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wire = _load_wire()
LIBRARY = wire.LIBRARY
KIND = wire.ErrorKind


class _ExerciseImports:
    """Import hook: the library and the other exercises are out of reach of a graded file."""

    def find_spec(self, name, path=None, target=None):
        if name == LIBRARY or name.startswith(LIBRARY + "."):
            raise ImportError(f"{LIBRARY} is not available to graded code", name=name)
        if wire.is_exercise(name):
            raise ImportError(f"{name} is another exercise: each exercise is graded on its own", name=name)
        return None


def _where(exc: BaseException, folder: str) -> dict | None:
    """The deepest frame of the student's files in the traceback: file, line and code."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return {"file": os.path.basename(exc.filename), "line": exc.lineno, "code": (exc.text or "").strip()}
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.dirname(f.filename) == folder]
    if not frames:
        return None
    last = frames[-1]
    return {"file": os.path.basename(last.filename), "line": last.lineno, "code": (last.line or "").strip()}


def _error(kind: str, exc: BaseException | None = None, folder: str = "", **extra) -> dict:
    error = {"kind": kind, **extra}
    if exc is not None:
        text = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        error.update(type=type(exc).__name__, message=str(text)[:MAX_TEXT], where=_where(exc, folder))
        if isinstance(exc, SystemExit):
            error["code"] = repr(exc.code)[:MAX_TEXT]
        blocked = str(exc.name or "") if isinstance(exc, ImportError) else ""
        if blocked.startswith(LIBRARY) or wire.is_exercise(blocked):
            error["blocked"] = str(exc.name)
    return {"error": error}


class Runner:
    """The student's modules, imported on first use; each call answered with a value or an error."""

    def __init__(self, folder: str):
        self.folder = os.path.realpath(folder)
        self.modules: dict[str, object] = {}
        self.failed: dict[str, dict] = {}

    def module(self, name: str):
        if name in self.failed:
            return None
        if name not in self.modules:
            path = os.path.join(self.folder, f"{name}.py")
            if not wire.is_exercise(name) or not os.path.isfile(path):
                self.failed[name] = {"error": {"kind": KIND.MISSING_FILE, "file": f"{name}.py"}}
                return None
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except BaseException as exc:  # noqa: B036  sys.exit and KeyboardInterrupt are graded, not obeyed
                self.failed[name] = _error(KIND.IMPORT, exc, self.folder, file=f"{name}.py")
                return None
            self.modules[name] = module
        return self.modules[name]

    def call(self, request: dict) -> dict:
        module = self.module(request["module"])
        if module is None:
            return self.failed[request["module"]]
        fn = getattr(module, request["function"], None)
        if not callable(fn):
            return {"error": {"kind": KIND.MISSING_FUNCTION, "file": f"{request['module']}.py"}}
        args = wire.decode(request["args"])
        kwargs = wire.decode(request["kwargs"])
        leaves = [a for a in args if wire.is_plain_tensor(a) and a.requires_grad]
        try:
            out = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: B036  as in module()
            return _error(KIND.RAISED, exc, self.folder)
        answer = {"requires_grad": bool(wire.is_plain_tensor(out) and out.requires_grad)}
        if leaves:
            grads = self._gradients(out, leaves)
            if "error" in grads:
                return grads
            answer.update(grads)
        try:
            answer["value"] = wire.encode(out)
        except TypeError as err:
            return {"error": {"kind": KIND.UNSUPPORTED, "message": str(err)[:MAX_TEXT]}}
        except BaseException as exc:  # noqa: B036  a student's __float__ or __repr__ may raise anything
            return _error(KIND.RAISED, exc, self.folder)
        return answer

    def _gradients(self, out, leaves: list) -> dict:
        """d(sum of out)/d(leaf) for each input sent with requires_grad; None where no gradient reaches it."""
        import torch

        if not (wire.is_plain_tensor(out) and out.requires_grad and out.is_floating_point()):
            return {"grads": [None] * len(leaves)}
        try:
            grads = torch.autograd.grad(out, leaves, grad_outputs=torch.ones_like(out), allow_unused=True)
            return {"grads": [None if g is None else wire.encode(g) for g in grads]}
        except BaseException as exc:  # noqa: B036  backward runs the student's graph
            return _error(KIND.BACKWARD, exc, self.folder)


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def serve(runner: Runner, requests: int, answers: int) -> None:
    """Answer requests until the grader closes the channel."""
    while True:
        try:
            (length,) = struct.unpack(">I", _read_exact(requests, 4))
            request = wire.parse_frame(_read_exact(requests, length))
        except EOFError:
            return
        answer = runner.call(request)
        answer["id"] = request.get("id")
        try:
            wire.write_frame(answers, answer)
        except TypeError as err:
            wire.write_frame(answers, {"id": request.get("id"), "error": {"kind": KIND.TOO_LARGE, "message": str(err)}})


def _warm_up(modules: list[str]) -> None:
    """Import now, while the interpreter's folders are surely readable, what graded calls import lazily later.

    A tiny backward pass through the kinds of ops the tests use loads autograd's own lazy imports; then the
    modules the grader names (torch's lazy imports, such as sympy) that this environment has.
    """
    import torch

    x = torch.linspace(-1.0, 1.0, 6).reshape(2, 3).requires_grad_()  # (B, T)
    mask = torch.tensor([[True, True, False], [True, False, False]])
    logprobs = torch.log_softmax(x * 2.0, dim=-1)
    y = logprobs.gather(-1, torch.zeros(2, 1, dtype=torch.long)).sum() + torch.where(mask, x.exp(), 0.0).sum()
    y = y + torch.nn.functional.softplus(x).cumsum(-1).flip(-1).mean() + x.clamp(-0.5, 0.5).pow(2).sum()
    torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y))
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # not installed here: nothing can import it later either


def _hold(folders: list[str]) -> dict[str, str]:
    """Open `folders` now; after the uid drop they are reached through /proc/self/fd, not their locked parents."""
    return {folder: f"/proc/self/fd/{os.open(folder, os.O_RDONLY | os.O_DIRECTORY)}" for folder in folders}


def _reroute(path: str, held: dict[str, str]) -> str:
    real = os.path.realpath(path)
    for folder, handle in held.items():
        if real == folder or real.startswith(folder + os.sep):
            return handle + real[len(folder) :]
    return path


def _import_through(held: dict[str, str]) -> None:
    """Future imports from the held folders go through their handles: sys.path and every package's __path__."""
    sys.path[:] = [_reroute(p, held) for p in sys.path]
    for module in list(sys.modules.values()):
        search = getattr(module, "__path__", None)
        if isinstance(search, list):
            search[:] = [_reroute(p, held) for p in search]
    sys.path_importer_cache.clear()


def _become(uid: int) -> None:
    """Drop every id to `uid` (the grader runs this as root): the capabilities go with them."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _clean_up(request: dict) -> None:
    """As the sandbox's uid: kill all its processes, remove its entries in the shared temporary folders."""
    import shutil
    import signal

    _become(request["uid"])
    os.kill(-1, signal.SIGKILL)  # every process this uid may signal, which are its own; never this one
    for folder in request["shared"]:
        entries = list(os.scandir(folder)) if os.path.isdir(folder) else []
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != request["uid"]:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:  # gone already, or not ours to remove: the next entry
                pass


def _set_up(setup: dict) -> None:
    """Warm up, drop to the sandbox's uid (when started as root), cap resources: what `sandbox.py` decided."""
    import resource

    if setup["warm_up"] is not None:
        _warm_up(setup["warm_up"])
    uid = setup["uid"]
    if uid is not None and os.getuid() == 0:
        held = _hold(setup["reach"])
        _become(uid)
        _import_through(held)
    if sys.platform.startswith("linux"):  # after the uid change, which would clear it: die with the grader
        import ctypes

        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    for name, value in setup["limits"].items():
        which = getattr(resource, name)
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))


def main(argv: list[str]) -> None:
    import argparse
    import json
    import signal

    if argv[:1] == ["--clean-up"]:  # after a student: what sandbox.py's kill_all asks
        return _clean_up(json.loads(argv[1]))
    parser = argparse.ArgumentParser(description="runs a student's exercise functions for the grader")
    parser.add_argument("submission")
    parser.add_argument("--setup", type=json.loads, required=True, help="uid, limits, warm-up (from sandbox.py)")
    args = parser.parse_args(argv)
    # the channel moves off 0 and 1: a student's print() or input() must not reach it
    requests, answers = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch  # before the uid changes: the interpreter may live where only its owner can read

    torch.set_num_threads(1)  # graded inputs are tiny; a second thread only competes with the grader
    _set_up(args.setup)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file too large fails the write, not the runner
    sys.meta_path.insert(0, _ExerciseImports())
    sys.dont_write_bytecode = True
    wire.write_frame(answers, {"id": "ready", "pid": os.getpid()})
    serve(Runner(args.submission), requests, answers)


if __name__ == "__main__":
    main(sys.argv[1:])
