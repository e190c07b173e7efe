"""The autograder: points per test, feedback that names the mistake, and grades no student can forge.

    pytest exercises/                                   a student's self-check (not a grade)
    from a2c_lessons.grading import check; check("gae")  the same, from a notebook
    a2c-lessons grade SUBMISSIONS/ --out grades/        an instructor grades a class
    a2c-lessons autograder --out autograder.zip         ... or builds a Gradescope autograder
    a2c-lessons release --out DIR [--graded]            instructor/ -> the student exercises

The trust boundary: the tests, the references, the answer keys and the hidden tests
live in the grader's process (`plugin`, `judge`, `cases`, `keys`). A student's
functions run only in `runner`, a separate process that `sandbox` confines, and come
back as plain data through `submission`; the grader decides and writes every grade
(`report`, `batch`, `gradescope`).

Exercise tests import what they use from here.
"""

from __future__ import annotations

from a2c_lessons.grading.cases import RandomInputs, full_mask, logprob_gradient, probability_changes, random_batch
from a2c_lessons.grading.judge import (
    as_bool,
    as_choice,
    as_letter,
    as_letter_list,
    as_letter_map,
    as_letter_set,
    as_number,
    close,
    expect_close,
    expect_tensor,
    number_text,
)
from a2c_lessons.grading.notebook import CheckResult, check
from a2c_lessons.grading.points import fail, points
from a2c_lessons.grading.submission import Grad, Submission
from a2c_lessons.grading.variants import grade_larger_token, grade_true_or_false, grade_utility_term

__all__ = [
    "CheckResult",
    "Grad",
    "RandomInputs",
    "Submission",
    "as_bool",
    "as_choice",
    "as_letter",
    "as_letter_list",
    "as_letter_map",
    "as_letter_set",
    "as_number",
    "check",
    "grade_larger_token",
    "grade_true_or_false",
    "grade_utility_term",
    "close",
    "expect_close",
    "expect_tensor",
    "fail",
    "full_mask",
    "logprob_gradient",
    "number_text",
    "points",
    "probability_changes",
    "random_batch",
]
