"""The widget lessons in JupyterLab and headless Chromium: what executing a notebook without a front end misses.

Each lesson that uses widgets is run through the menu (Run > Run All Cells) and must end with no error output,
no traceback inside a widget and no "Error displaying widget". In the advantage lesson every slider is then moved
with the keyboard, and the bar plot must redraw and the readout show the new value; the before/after
screenshots go to runs/ui-screenshots/ (printed at the end of the run).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from course import ADVANTAGE_LESSON, PREFERENCE_LESSON, skip_or_fail, widget_lessons
from lab_server import Lab
from notebook_ui import check_no_errors, find_sliders, move_slider_and_check, open_notebook, run_all_cells

pytestmark = [pytest.mark.ui, pytest.mark.timeout(300, method="signal")]  # signal: finalizers still run


def run_lesson(page, lab: Lab, lesson: Path) -> None:
    if not lesson.exists():
        skip_or_fail(f"{lesson.relative_to(lesson.parents[1])} is not written yet")
    open_notebook(page, lab, lesson.name)
    run_all_cells(page, lesson.name)
    check_no_errors(page, lesson.name)


# lesson 9 needs a person to click its labeller before its later cells mean anything: test_preference_ui runs it
OTHER_WIDGET_LESSONS = [nb for nb in widget_lessons() if nb not in (ADVANTAGE_LESSON, PREFERENCE_LESSON)] or [
    pytest.param(None, id="none", marks=pytest.mark.skip(reason="no lesson but the advantage lesson uses widgets"))
]


@pytest.mark.parametrize("lesson", OTHER_WIDGET_LESSONS, ids=lambda p: getattr(p, "stem", "none"))
def test_widget_lesson_runs_in_jupyterlab_without_errors(page, lab: Lab, lesson: Path) -> None:
    run_lesson(page, lab, lesson)


def test_advantage_lesson_sliders_redraw_the_bar_plot(page, lab: Lab, shots: Path) -> None:
    run_lesson(page, lab, ADVANTAGE_LESSON)
    sliders = find_sliders(page)
    labels = [s.label for s in sliders]
    assert any(re.search(r"^A\b|advantage", s, re.I) for s in labels), f"no advantage slider among {labels}"
    assert any(re.search(r"lr|learning", s, re.I) for s in labels), f"no learning-rate slider among {labels}"
    for slider in sliders:
        move_slider_and_check(page, ADVANTAGE_LESSON.name, slider, shots)
