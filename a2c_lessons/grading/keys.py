"""Answer keys of the concept questions, kept as salted hashes, with feedback sealed under each wrong answer.

The instructor writes `instructor/answer_keys.py`:

    SALT = "..."
    KEYS = {"ex06.actor": {"accept": ["d"], "feedback": {"a": "That is the reward model: ..."}}}

`release` compiles it into `exercises/answer_keys.json`, which holds only
digest(salt, question, answer) for accepted answers, and each feedback message
encrypted with a key stream derived from the wrong answer it explains. A student
who opens the file reads neither the key nor the feedback; a student who gives
that wrong answer gets its message. (A determined student can still hash every
letter: the answer spaces are tiny. That is why only the practice release ships
this file; a graded release ships none, and the keys stay with the grader.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a2c_lessons.grading import mistakes
from a2c_lessons.grading.points import fail

KEYS_JSON = "answer_keys.json"
KEYS_SOURCE = "answer_keys.py"


def digest(salt: str, question: str, answer: str) -> str:
    """The salted hash under which an answer is stored."""
    return hashlib.sha256(f"{salt}|{question}|{answer}".encode()).hexdigest()[:24]


def _key_stream(salt: str, question: str, answer: str, length: int) -> bytes:
    # a different prefix from digest(), so the stored digest is not the key stream
    blocks = (hashlib.sha256(f"seal|{salt}|{question}|{answer}|{i}".encode()).digest() for i in range(length // 32 + 1))
    return b"".join(blocks)[:length]


def seal(message: str, salt: str, question: str, answer: str) -> str:
    """`message` encrypted so that only `answer` opens it (deterministic, so a release is reproducible)."""
    data = message.encode()
    stream = _key_stream(salt, question, answer, len(data))
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, stream))).decode()


def unseal(token: str, salt: str, question: str, answer: str) -> str:
    """The message `seal` encrypted under `answer`."""
    data = base64.b64decode(token)
    stream = _key_stream(salt, question, answer, len(data))
    return bytes(a ^ b for a, b in zip(data, stream)).decode()


def compile_keys(salt: str, keys: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The student-side form of `keys`: digests of accepted answers, sealed feedback under digests of wrong ones."""
    questions = {}
    for question, entry in sorted(keys.items()):
        unknown = set(entry) - {"accept", "feedback"}
        if unknown or not entry.get("accept"):
            raise ValueError(f"answer key {question!r} needs a non-empty 'accept' list (unknown fields: {unknown})")
        feedback = entry.get("feedback", {})
        clash = set(entry["accept"]) & set(feedback)
        if clash:
            raise ValueError(
                f"answer key {question!r}: {sorted(clash)} is both accepted and given wrong-answer feedback"
            )
        questions[question] = {
            "accept": sorted(digest(salt, question, a) for a in entry["accept"]),
            "feedback": {digest(salt, question, a): seal(m, salt, question, a) for a, m in sorted(feedback.items())},
        }
    return {"salt": salt, "questions": questions}


def keys_json(salt: str, keys: dict[str, dict[str, Any]]) -> str:
    """compile_keys as the exact text release writes (sorted, one trailing newline)."""
    return json.dumps(compile_keys(salt, keys), indent=1, sort_keys=True) + "\n"


def load_source(path: Path) -> tuple[str, dict[str, dict[str, Any]]]:
    """SALT and KEYS of an instructor's answer_keys.py."""
    namespace = runpy.run_path(str(path))
    return namespace["SALT"], namespace["KEYS"]


@dataclass
class AnswerKey:
    """The compiled keys of one exercises folder."""

    salt: str
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> AnswerKey:
        """answer_keys.json from `folder`; in an instructor folder, compiled from answer_keys.py on the fly."""
        folder = Path(folder)
        if (folder / KEYS_JSON).is_file():
            data = json.loads((folder / KEYS_JSON).read_text())
        elif (folder / KEYS_SOURCE).is_file():
            data = compile_keys(*load_source(folder / KEYS_SOURCE))
        else:
            raise FileNotFoundError(f"no {KEYS_JSON} in {folder}: the grading files are incomplete")
        return cls(data["salt"], data["questions"])

    def _entry(self, question: str) -> dict[str, Any]:
        if question not in self.questions:
            raise KeyError(f"{KEYS_JSON} has no key for {question!r}: re-run `a2c-lessons release`")
        return self.questions[question]

    def accepts(self, question: str, answer: str) -> bool:
        return digest(self.salt, question, answer) in self._entry(question)["accept"]

    def feedback(self, question: str, answer: str) -> str | None:
        """The message written for this wrong answer, or None; the grader notes the wrong option for the report."""
        token = self._entry(question)["feedback"].get(digest(self.salt, question, answer))
        message = None if token is None else unseal(token, self.salt, question, answer)
        mistakes.note_answer(question, answer, message)
        return message

    def matches(self, question: str, answer: str, otherwise: str) -> None:
        """Pass if `answer` is accepted; else fail with its feedback, or with `otherwise` (a hint, not the key)."""
        if not self.accepts(question, answer):
            fail(self.feedback(question, answer) or otherwise)
