"""The autograder: points per test, feedback that names the mistake, Gradescope reports, the student release.

    from a2c_lessons.grading import check
    check("utility")            # in a notebook: grade the matching exercises, print the feedback

    pytest exercises/           # grade everything (the plugin prints points per exercise)
    a2c-lessons grade SUBMISSIONS_DIR --out grades/    # one folder per student -> grades.csv + JSONs
    a2c-lessons release         # instructor/ -> exercises/, solutions replaced by stubs

Modules: `points` (the `@points(n)` marker for tests), `plugin` (pytest hooks), `student` (guarded
imports and calls), `limits` (time limits), `checks` and `cases` (tensor answers
against the library), `answers` (hashed concept keys), `report` (results.json and
tables), `batch`, `release`, `notebook` (`check`).
"""

from __future__ import annotations

from a2c_lessons.grading.notebook import CheckResult, check

__all__ = ["CheckResult", "check"]
