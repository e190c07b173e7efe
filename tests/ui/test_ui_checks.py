"""Tests of the browser checks: known-bad notebooks must fail with a message that says what is wrong.

The fixture notebooks in tests/ui/fixtures/: slider_redraws (must pass), cell_raises (a widget without a model, an
interact callback that raises, a cell that raises), slider_redraws_nothing (the slider's value never reaches the
plot).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from course import skip_or_fail
from lab_server import Lab, UIFailure
from notebook_ui import (
    ERROR_LINE,
    _differ,
    _readout_matches,
    check_no_errors,
    find_sliders,
    move_slider_and_check,
    open_notebook,
    run_all_cells,
)


def run_fixture(page, lab: Lab, name: str) -> None:
    open_notebook(page, lab, name)
    run_all_cells(page, name)


@pytest.mark.ui
@pytest.mark.timeout(120, method="signal")
def test_checks_pass_a_slider_that_redraws(page, lab: Lab, shots: Path) -> None:
    run_fixture(page, lab, "slider_redraws.ipynb")
    check_no_errors(page, "slider_redraws.ipynb")
    sliders = find_sliders(page)
    assert [s.label for s in sliders] == ["a"]
    before, after = move_slider_and_check(page, "slider_redraws.ipynb", sliders[0], shots)
    assert before.exists() and after.exists()


@pytest.mark.ui
@pytest.mark.timeout(120, method="signal")
def test_checks_report_a_cell_that_raises_and_broken_widgets(page, lab: Lab) -> None:
    run_fixture(page, lab, "cell_raises.ipynb")
    with pytest.raises(UIFailure) as failure:
        check_no_errors(page, "cell_raises.ipynb")
    problems = str(failure.value).split("; ")
    assert len(problems) == 4, problems
    assert problems[0].endswith("shows 'Error displaying widget: model not found' instead of its widget")
    assert "cell 3 (" in problems[1] and "error in its widget's output: ZeroDivisionError" in problems[1]
    assert "cell 4 ('1 / 0') raised ZeroDivisionError: division by zero" in problems[2]
    assert "cell 5 (" in problems[3] and problems[3].endswith("did not run (no execution count)")


@pytest.mark.ui
@pytest.mark.timeout(120, method="signal")
def test_checks_report_a_slider_that_redraws_nothing(page, lab: Lab, shots: Path) -> None:
    run_fixture(page, lab, "slider_redraws_nothing.ipynb")
    check_no_errors(page, "slider_redraws_nothing.ipynb")  # it runs cleanly: only moving the slider shows the bug
    (slider,) = find_sliders(page)
    with pytest.raises(UIFailure, match=r"slider 'a' in cell 3 .* moved \(0.5 -> 0.6\) but the plot did not change"):
        move_slider_and_check(page, "slider_redraws_nothing.ipynb", slider, shots)


# ---------------------------------------------------------------- the pieces, without a browser


def test_readout_must_show_the_slider_value_to_its_printed_precision() -> None:
    assert _readout_matches("0.60", "0.6")
    assert _readout_matches("1.04", "1.04")
    assert _readout_matches("0.001", "-3")  # FloatLogSlider: the handle sits at the exponent
    assert not _readout_matches("0.50", "0.6")
    assert not _readout_matches("0.61", "0.6")


def test_images_differ_on_one_pixel_and_on_count() -> None:
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[2, 3, 0] = 1
    assert not _differ([a], [a.copy()])
    assert _differ([a], [b])
    assert _differ([a], [a, a])


def test_error_lines_are_errors_and_warnings_are_not() -> None:
    assert ERROR_LINE.search("ZeroDivisionError: division by zero")
    assert ERROR_LINE.search("torch.OutOfMemoryError: CUDA out of memory")
    assert not ERROR_LINE.search("/x/viz.py:12: UserWarning: no error here, only a warning")


def test_missing_browser_skips_outside_ci_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail("Chromium not found")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium not found"):
        skip_or_fail("Chromium not found")
