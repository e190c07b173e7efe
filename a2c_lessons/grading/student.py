"""The submission under grading: its modules imported and its functions called, each behind a guard.

Student code may raise, hang, call sys.exit or raise KeyboardInterrupt, at import
or when called. Every such event becomes a failed test whose message says what
happened and where in the student's file; the next test still runs. Modules are
imported from the grading folder by path, without writing bytecode next to them:
the grader never writes into a student's folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest

from a2c_lessons.grading.limits import GradingTimeout, UserInterrupt, disarm


def fail(message: str) -> NoReturn:
    """Fail the current test with a student-facing message (no grader traceback)."""
    pytest.fail(message, pytrace=False)


def _where(exc: BaseException, folder: Path) -> str:
    """' (ex11_x.py, line 12: `code`)' for the deepest frame in the student's folder, or ''."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f" ({Path(exc.filename).name}, line {exc.lineno}: `{(exc.text or '').strip()}`)"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).parent == folder]
    if not frames:
        return ""
    last = frames[-1]
    return f" ({Path(last.filename).name}, line {last.lineno}: `{(last.line or '').strip()}`)"


@contextlib.contextmanager
def _no_bytecode() -> Iterator[None]:
    """No __pycache__ next to the student's files, also for modules their code imports while it runs."""
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        yield
    finally:
        sys.dont_write_bytecode = before


def describe_exception(what: str, exc: BaseException, folder: Path) -> str:
    """One student-facing sentence for an exception raised while `what` ran."""
    if isinstance(exc, GradingTimeout):
        return f"{what} did not finish within the time limit of {exc.limit_s:g} s (an infinite loop?)."
    if isinstance(exc, NotImplementedError) and str(exc)[:2] == "ex":
        return f"{what} is not written yet{_where(exc, folder)}: replace the raise line with your answer."
    if isinstance(exc, SystemExit):
        return f"{what} called sys.exit({exc.code!r}). The grader caught it, but a graded file must not exit."
    if isinstance(exc, KeyboardInterrupt):
        return f"{what} raised KeyboardInterrupt; a graded file must not raise it."
    text = exc.msg if isinstance(exc, SyntaxError) else str(exc)  # str() of a SyntaxError repeats file and line
    return f"{what} raised {type(exc).__name__}: {text}{_where(exc, folder)}"


class Student:
    """The modules of one submission folder. A failed import is not retried: later tests repeat its message."""

    _failures: dict[Path, str] = {}

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()

    def module(self, name: str) -> ModuleType:
        """Import `name`.py from the submission folder, or fail the test saying why not."""
        path = self.folder / f"{name}.py"
        loaded = sys.modules.get(name)
        if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() == path:
            return loaded
        if path in self._failures:
            fail(self._failures[path])
        if not path.is_file():
            self._failures[path] = f"{path.name} is not in the submission, so this exercise scores zero."
            fail(self._failures[path])
        try:
            return self._import(name, path)
        except UserInterrupt:
            raise
        except BaseException as exc:  # sys.exit and KeyboardInterrupt in student code are graded, not obeyed
            disarm()
            self._failures[path] = describe_exception(f"importing {path.name}", exc, self.folder)
        fail(self._failures[path])

    def _import(self, name: str, path: Path) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        # a student's ex12 may `import ex11_...`: the folder goes on the path, the module in sys.modules
        if str(self.folder) not in sys.path:
            sys.path.insert(0, str(self.folder))
        sys.modules[name] = module
        try:
            with _no_bytecode():
                spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    def function(self, module: str, name: str) -> Callable:
        """The function `name` of the student's `module`, or fail the test saying it is missing."""
        fn = getattr(self.module(module), name, None)
        if not callable(fn):
            fail(f"{module}.py has no function {name}(): keep the name and signature of the stub.")
        return fn

    def call(self, module: str, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the student's `module.name(*args, **kwargs)`; any exception or exit fails the test."""
        return self.guard(f"{name}()", self.function(module, name), *args, **kwargs)

    def guard(self, what: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """Run `fn` (student code, or grader code that runs student code, like backward); failures fail the test."""
        try:
            with _no_bytecode():
                return fn(*args, **kwargs)
        except UserInterrupt:
            raise
        except BaseException as exc:  # as in Student.module
            disarm()
            message = describe_exception(what, exc, self.folder)
        fail(message)
