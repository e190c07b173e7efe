"""The learning-dynamics explorable (explorable.md): its data is the tiny LM's, and in Chromium the numbers it shows
equal softmax(z(x_o) + eta A d) computed in Python, at several slider settings, with no request leaving the site,
no console error, and the same page working opened as a file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from course_dynamics import CONTEXTS, DATA_FILE, UPDATES, script_text

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "runs" / "dynamics-screenshots"
# (update, context, A, eta, the softmax-by-hand step): each a setting the sliders can take exactly
SETTINGS = [(0, 1, 1.0, 0.01, 1.0), (1, 0, -2.0, 0.02, 2.5), (2, 4, 0.5, 0.03, 0.05), (3, 5, -3.0, 0.001, 5.0)]
# past this eta |A| lesson 4 measured the first-order change drifting from a real step's: the caption says so
FIRST_ORDER_LIMIT = 0.02
TOLERANCE = 1e-6  # the page shows 6 decimals (a rounding of at most 5e-7)
# the book theme's own script logs this as an error on a browser with no saved light/dark choice (every fresh one)
THEME_NOTICE = "Got invalid theme mode"


@pytest.fixture(scope="module")
def python_values():
    """z(x_o), d and the updates' own logits, recomputed here from the tiny LM (float64 from here on)."""
    from a2c_lessons import dynamics
    from a2c_lessons.policy import load_policy

    policy = load_policy(device="cpu")
    logits, directions = dynamics.direction_table(policy, UPDATES, CONTEXTS)
    own = dynamics.context_logits(policy, [prompt for prompt, _ in UPDATES])
    token_ids = [dynamics.token_id(policy, token) for _, token in UPDATES]
    return {"logits": logits.double(), "directions": directions.double(), "own": own.double(), "ids": token_ids}


def expected_after(values, update: int, context: int, advantage: float, eta: float) -> torch.Tensor:
    return torch.softmax(values["logits"][context] + eta * advantage * values["directions"][update, context], -1)


def expected_by_hand(values, update: int, advantage: float, eta: float) -> torch.Tensor:
    own = values["own"][update]
    one_hot = torch.zeros_like(own)
    one_hot[values["ids"][update]] = 1.0
    return torch.softmax(own + eta * advantage * (one_hot - torch.softmax(own, -1)), -1)


def test_the_data_script_is_one_assignment_of_plain_json():
    data = {"vocab": ["a", "b"], "logits": [[0.5, -1.25]]}
    text = script_text(data)
    assert text.startswith("window.DYNAMICS_DATA = ") and text.endswith(";\n")
    assert json.loads(text.removeprefix("window.DYNAMICS_DATA = ").removesuffix(";\n")) == data


# ---------------------------------------------------------------- the built page, in Chromium


def set_controls(page, **values) -> None:
    page.evaluate(
        """(values) => { for (const [id, value] of Object.entries(values)) {
            const input = document.getElementById(id);
            input.value = String(value);
            input.dispatchEvent(new Event("input"));
        } }""",
        values,
    )


def shown(page, table: str) -> dict[str, tuple[float, float]]:
    """token -> (pi before, pi after) as the page's table shows them."""
    rows = page.eval_on_selector_all(
        f"#{table} tbody tr",
        "rows => rows.map(r => [r.dataset.token, ...[...r.querySelectorAll('td')].slice(0, 2)"
        ".map(c => c.textContent)])",
    )
    return {token: (float(before), float(after)) for token, before, after in rows}


def console_errors(page) -> list[str]:
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith(THEME_NOTICE):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def check_numbers(page, values, vocab: list[str], setting) -> None:
    update, context, advantage, eta, hand_eta = setting
    set_controls(page, **{"dyn-update": update, "dyn-context": context, "dyn-advantage": advantage})
    set_controls(page, **{"dyn-eta": eta, "dyn-hand-eta": hand_eta})
    before = torch.softmax(values["logits"][context], -1)
    after = expected_after(values, update, context, advantage, eta)
    table = shown(page, "dyn-table")
    assert UPDATES[update][1] in table, f"the update's token is not listed at setting {setting}"
    for token, (shown_before, shown_after) in table.items():
        v = vocab.index(token)
        assert abs(shown_before - float(before[v])) <= TOLERANCE, (setting, token, shown_before, float(before[v]))
        assert abs(shown_after - float(after[v])) <= TOLERANCE, (setting, token, shown_after, float(after[v]))
    by_hand = expected_by_hand(values, update, advantage, hand_eta)
    for token, (_, shown_after) in shown(page, "dyn-hand-table").items():
        assert abs(shown_after - float(by_hand[vocab.index(token)])) <= TOLERANCE, (setting, token)
    caption = page.text_content("#dyn-caption")
    assert ("Past eta |A| = 0.02" in caption) == (abs(eta * advantage) > FIRST_ORDER_LIMIT), (setting, caption)


@pytest.mark.site
def test_the_page_shows_the_python_numbers_at_every_setting(site, site_server, page_and_log, python_values):
    page, log = page_and_log
    errors = console_errors(page)
    response = page.goto(f"{site_server.url}/explorable.html", wait_until="networkidle")
    assert response is not None and response.ok
    page.wait_for_selector("#dynamics-explorer[data-ready='true']")
    vocab = page.evaluate("() => window.DYNAMICS_DATA.vocab")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#dynamics-explorer").screenshot(path=SHOTS / "explorable-before.png")
    for setting in SETTINGS:
        check_numbers(page, python_values, vocab, setting)
    set_controls(page, **{"dyn-update": 0, "dyn-context": 1, "dyn-advantage": -2.5, "dyn-eta": 0.02})
    page.locator("#dynamics-explorer").screenshot(path=SHOTS / "explorable-after.png")
    assert not errors, f"console errors: {errors}"
    assert not log.foreign(), f"requests left 127.0.0.1: {log.foreign()}"
    assert not log.failed and not site_server.errors, (log.failed, site_server.errors)


@pytest.mark.site
def test_the_page_works_opened_as_a_file(site, page_and_log, python_values):
    page, log = page_and_log
    errors = console_errors(page)
    page.goto((site / "explorable.html").resolve().as_uri(), wait_until="load")
    page.wait_for_selector("#dynamics-explorer[data-ready='true']")
    assert (site / "_static" / DATA_FILE).is_file()
    check_numbers(page, python_values, page.evaluate("() => window.DYNAMICS_DATA.vocab"), SETTINGS[1])
    assert not errors, f"console errors: {errors}"
    outside = [url for url in log.urls if not url.startswith(("file://", "data:", "about:"))]
    assert not outside, f"requests outside the site's folder: {outside}"
