"""Lesson 9 in JupyterLab and headless Chromium: a person (here, a script with a taste) labels pairs by clicking.

The test opens the lesson, runs it up to the labeller, and clicks through 60 pairs the way a person who likes
"reviews that talk about the service" would, reading the two completions from the page. Then it runs the lesson
through the interface up to the A2C run's check (tests/test_notebooks.py runs all of it headless): the labels file
must hold exactly those clicks in the preference format, the reward model must rank held-out pairs better than
chance, and A2C against it must raise the share of the taste to at least 1.75 times its base rate, nine reviews in
ten still grammatical (the lesson's own check cells assert the last two; this test also reads the numbers they
print).
"""

from __future__ import annotations

import json
import re

import pytest
from course import PREFERENCE_LESSON, skip_or_fail
from lab_server import Lab, UIFailure, wait_for
from notebook_ui import NOTEBOOK_STATE_JS, check_no_errors, open_notebook

from a2c_lessons import preferences

pytestmark = [pytest.mark.ui, pytest.mark.timeout(900, method="signal")]
LESSON = PREFERENCE_LESSON
TASTE = preferences.TASTES["service"]
CLICKS = 60

RUN_CELL_JS = """([path, index]) => {
  const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);
  panel.content.activeCellIndex = index;
  return window.jupyterapp.commands.execute('notebook:run-cell');
}"""


def cell_index(page, name: str, marker: str) -> int:
    cells = page.evaluate(NOTEBOOK_STATE_JS, name)["cells"]
    return next(i for i, c in enumerate(cells) if marker in c["source"])


def run_cells(page, name: str, start: int, stop: int, timeout: float = 600) -> None:
    """Run cells start..stop (inclusive) one by one through JupyterLab's command, each to completion."""
    for index in range(start, stop + 1):
        page.evaluate(RUN_CELL_JS, [name, index])

        def done(i=index) -> bool:
            state = page.evaluate(NOTEBOOK_STATE_JS, name)
            cell = state["cells"][i]
            return state["kernel"] == "idle" and (not cell["code"] or bool(cell["count"]) or bool(cell["errors"]))

        wait_for(done, timeout, f"cell {index + 1} of {name} to run")
        errors = page.evaluate(NOTEBOOK_STATE_JS, name)["cells"][index]["errors"]
        if errors:
            raise UIFailure(f"{name}: cell {index + 1} raised {errors}")


def shown_pair(page) -> tuple[str, str, str]:
    prompt = page.locator(".a2c-pref-prompt").inner_text().removeprefix("prompt:").strip()
    prompt = "" if prompt == "(the start of a review)" else prompt
    left, right = (page.locator(f".a2c-pref-{side}").inner_text().strip() for side in ("left", "right"))
    return prompt, left, right


def label_like_the_taste(page, clicks: int) -> list[preferences.Pair]:
    """Click `clicks` labels (skipping pairs the taste cannot tell apart); the pairs, as they were chosen."""
    labelled: list[preferences.Pair] = []
    for _ in range(40 * clicks):
        if len(labelled) == clicks:
            return labelled
        prompt, left, right = shown_pair(page)
        choice = TASTE.choose((preferences.join(prompt, left), preferences.join(prompt, right)))
        button = {0: "left", 1: "right", None: "skip"}[choice]
        page.locator(f".a2c-pref-choose-{button}").click()
        wait_for(lambda old=(prompt, left, right): shown_pair(page) != old, 30, "the next pair")
        if choice is not None:
            chosen, rejected = (left, right) if choice == 0 else (right, left)
            labelled.append(preferences.Pair(prompt, chosen, rejected))
            wait_for(
                lambda: f"{len(labelled)} pairs labelled" in page.locator(".a2c-pref-count").inner_text(),
                30,
                "the counter",
            )
    raise UIFailure(f"the taste found only {len(labelled)} pairs to label in {40 * clicks} pairs shown")


def test_a_person_labels_pairs_and_a2c_learns_their_taste(page, lab: Lab) -> None:
    if not LESSON.exists():
        skip_or_fail("lesson 9 is not written yet")
    name = LESSON.name
    open_notebook(page, lab, name)
    labeller = cell_index(page, name, "PreferenceLabeller(")
    run_cells(page, name, 0, labeller)
    wait_for(lambda: page.locator(".a2c-pref-choose-left").count() == 1, 60, "the labeller's buttons")
    labelled = label_like_the_taste(page, CLICKS)
    labels = lab.root.parent / "runs" / "lesson09" / "labels.jsonl"
    assert [json.loads(line) for line in labels.read_text().splitlines()] == [
        {"prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected} for p in labelled
    ]
    trained = cell_index(page, name, "# Check 9.3:")  # the over-optimisation runs after it are test_notebooks' part
    run_cells(page, name, labeller + 1, trained)
    check_no_errors(page, name, through=trained)
    text = page.locator(".jp-Notebook").inner_text()
    assert re.search(r"held-out accuracy (\d+)%", text) and int(re.search(r"held-out accuracy (\d+)%", text)[1]) > 50
    assert "scripted taste agrees with 100%" in text  # the clicks were the taste's; the script filled nothing
    shares = [float(s) for s in re.findall(r"(\d+\.\d)% of 1,000 fresh reviews talk about the service", text)]
    grammatical = float(re.search(r"after: (\d+\.\d)% grammatical", text)[1])
    assert len(shares) == 2 and shares[1] >= 1.75 * shares[0] and grammatical >= 90, (shares, grammatical)
