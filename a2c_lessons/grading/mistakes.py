"""Known mistakes as data: the stable id a failed test carries, so a class report counts them without reading text.

The grader names a known mistake in three places: `judge.expect_close` (the
student's tensor equals a known-wrong version of the formula), `judge.expect_tensor`
(a shape that a known slip returns) and the concept questions' answer keys (a wrong
option the key has feedback for). Each calls `note` just before it fails the test;
the plugin `take`s the notes of each failed test into its result, and results.json
carries them in the test's `extra_data`:

    {"name": "ex05_a2c_loss: ...", ..., "extra_data": {"mistakes": [
        {"id": "m-3f2a...", "title": "the sign is flipped: ...", "kind": "known_wrong"}]}}

    {"name": "ex06_actor_critic_roles: ...", ..., "extra_data": {"mistakes": [
        {"id": "ex06.actor=a", "title": "That is the reward model: ...", "kind": "answer",
         "question": "ex06.actor", "answer": "a"}]}}

A test may name the mistake's id itself (`Mistake("sign_flipped", "the sign is flipped: ...")`
as the key of `expect_close`'s `wrong`); a plain message gets the id `m-` + a digest of
it, so the same message in two exercises is one mistake. A concept answer's id is its
question and the option chosen. The report groups by id and shows the title; it never
parses a test's output.
"""

from __future__ import annotations

import hashlib
from typing import Any

_NOTED: list[dict[str, Any]] = []  # the mistakes named by the test now running (tests run one at a time)


class Mistake(str):
    """A known-wrong message that carries its own stable id: `Mistake("sign_flipped", "the sign is flipped")`."""

    id: str

    def __new__(cls, mistake_id: str, message: str) -> Mistake:
        text = super().__new__(cls, message)
        text.id = mistake_id
        return text


def mistake_id(message: str) -> str:
    """The stable id of a known-wrong message: its own if it is a `Mistake`, else `m-` + a digest of the words."""
    given = getattr(message, "id", None)
    return given if isinstance(given, str) else "m-" + hashlib.sha256(str(message).encode()).hexdigest()[:10]


def note(message: str, kind: str = "known_wrong", **details: str) -> None:
    """Record that the running test found the known mistake `message` (its id and title go into results.json)."""
    _NOTED.append({"id": mistake_id(message), "title": str(message), "kind": kind, **details})


def note_answer(question: str, answer: str, feedback: str | None) -> None:
    """Record a wrong concept answer: the option chosen, and the key's feedback for it (None if it has none)."""
    _NOTED.append(
        {"id": f"{question}={answer}", "title": feedback, "kind": "answer", "question": question, "answer": answer}
    )


def take() -> list[dict[str, Any]]:
    """The mistakes noted since the last call, each once, in the order noted; the record is emptied."""
    seen, unique = set(), []
    for entry in _NOTED:
        if entry["id"] not in seen:
            seen.add(entry["id"])
            unique.append(entry)
    _NOTED.clear()
    return unique
