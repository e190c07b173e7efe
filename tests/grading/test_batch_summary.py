"""The batch's summary line counts the outcome kind recorded with each student's grade, never the notes' words."""

from __future__ import annotations

import re
from pathlib import Path

from a2c_lessons.grading.batch import Graded, _summary
from a2c_lessons.grading.workspace import Note, Outcome

COUNTED = {"stopped early": Outcome.STOPPED, "with missing files": Outcome.MISSING}


def _graded(student: str, score: float, notes: list[Note]) -> Graded:
    return Graded.of(student, {"score": score, "extra_data": {"max_score": 10.0}}, notes)


def _class(word) -> list[Graded]:
    """Five students whose notes are worded by `word(outcome)`: the kinds are fixed, the words are not."""
    plan = {
        "ada": [Outcome.STOPPED],
        "bo": [Outcome.MISSING, Outcome.IGNORED],
        "cy": [Outcome.STOPPED, Outcome.AUTOGRADER_FAILED],
        "di": [],
        "ed": [Outcome.MISSING, Outcome.WARNING],
    }
    return [_graded(name, 5.0, [Note(o, word(o)) for o in outcomes]) for name, outcomes in plan.items()]


def _counts(summary: str) -> dict[str, int]:
    found = {what: re.search(rf"(\d+) {what}", summary) for what in [*COUNTED, "autograder failures"]}
    assert all(found.values()), summary
    return {what: int(match.group(1)) for what, match in found.items()}


def test_rewording_every_note_leaves_the_summary_unchanged():
    plain = _summary(_class(lambda o: o.value), 5, 10.0, Path("grades"), "bwrap")
    reworded = _summary(_class(lambda o: f"entirely new words #{len(o.name)}"), 5, 10.0, Path("grades"), "bwrap")
    assert reworded == plain
    assert _counts(plain) == {"stopped early": 2, "with missing files": 2, "autograder failures": 1}


def test_the_summary_counts_equal_the_outcomes_recorded_per_student():
    graded = _class(lambda o: "words")
    counts = _counts(_summary(graded, 5, 10.0, Path("grades"), "uid"))
    for what, outcome in {**COUNTED, "autograder failures": Outcome.AUTOGRADER_FAILED}.items():
        assert counts[what] == sum(outcome in g.outcomes for g in graded), what


def test_a_note_counts_by_its_kind_not_by_words_that_sound_like_another_kind():
    misleading = [Note(Outcome.WARNING, "grading stopped at the time limit; missing from the submission")]
    summary = _summary([_graded("ada", 3.0, misleading)], 1, 1.0, Path("grades"), "bwrap")
    assert _counts(summary) == {"stopped early": 0, "with missing files": 0, "autograder failures": 0}
