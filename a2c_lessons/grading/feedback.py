"""What a student reads when their code failed: one sentence per kind of error the runner reports.

The runner reports plain fields (kind, exception type, message, file and line); the
grader turns them into the feedback here, so the wording is the grader's and the
length is capped with the rest of the report.
"""

from __future__ import annotations

from typing import Any

from a2c_lessons.grading import wire


def _where(error: dict) -> str:
    where = error.get("where")
    if type(where) is not dict:
        return ""
    return f" ({where.get('file')}, line {where.get('line')}: `{str(where.get('code', ''))[:200]}`)"


def _exception(error: dict, what: str) -> str:
    kind, message = str(error.get("type", "an exception")), str(error.get("message", ""))
    if kind == "NotImplementedError" and wire.EXERCISE_ID.match(message):
        return f"{what} is not written yet{_where(error)}: replace the raise line with your answer."
    if kind == "SystemExit":
        return f"{what} called sys.exit({error.get('code')}). The grader caught it, but a graded file must not exit."
    if kind == "KeyboardInterrupt":
        return f"{what} raised KeyboardInterrupt; a graded file must not raise it."
    return f"{what} raised {kind}: {message}{_where(error)}"


def _missing_file(error: dict, what: str, file: str) -> str:
    return f"{file} is not in the submission, so this exercise scores zero."


def _missing_function(error: dict, what: str, file: str) -> str:
    return f"{file} has no function {what}: keep the name and signature of the stub."


def _import(error: dict, what: str, file: str) -> str:
    return _exception(error, f"importing {file}")


def _raised(error: dict, what: str, file: str) -> str:
    return _exception(error, what)


def _backward(error: dict, what: str, file: str) -> str:
    return _exception(error, f"backward() through {what}")


def _unsupported(error: dict, what: str, file: str) -> str:
    return (
        f"{what} returned {error.get('message')}; return plain values: a torch.Tensor, numbers, "
        "strings, or lists, tuples, sets and dicts of them."
    )


def _too_large(error: dict, what: str, file: str) -> str:
    return f"{what} returned more data than the grader accepts ({error.get('message')})."


# each kind the runner reports -> its sentence (error, what was called, the student's file)
SENTENCES = {
    wire.ErrorKind.MISSING_FILE: _missing_file,
    wire.ErrorKind.MISSING_FUNCTION: _missing_function,
    wire.ErrorKind.IMPORT: _import,
    wire.ErrorKind.RAISED: _raised,
    wire.ErrorKind.BACKWARD: _backward,
    wire.ErrorKind.UNSUPPORTED: _unsupported,
    wire.ErrorKind.TOO_LARGE: _too_large,
}


def describe(error: Any, what: str, module: str) -> str:
    """The student-facing sentence for an error the runner reported."""
    if type(error) is not dict:
        return f"{what} failed in a way the grader cannot read."
    file = f"{module}.py"
    blocked = str(error.get("blocked", ""))
    if blocked.startswith(wire.LIBRARY):
        return (
            f"{file} imports {wire.LIBRARY}: a graded exercise must be your own code, not the course "
            "library's, so this exercise scores 0."
        )
    if blocked:
        return f"{file} imports {blocked}: each exercise is graded on its own, so copy what you need into {file}."
    kind = error.get("kind")  # from the untrusted runner: maybe not a string, maybe no kind we know
    sentence = SENTENCES.get(kind, _raised) if type(kind) is str else _raised
    return sentence(error, what, file)
