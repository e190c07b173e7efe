"""The built website in Chromium: every lesson page loads with its figures, its maths typeset and its downloads;
the landing page lists the lessons in order; search finds the right lesson; and no request leaves 127.0.0.1.

Served from site/ (`make site`) by a local http.server; Chromium resolves no other host, and every request is
recorded, so a page that asks a CDN for anything fails here even though the request could not succeed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from course import ADVANTAGE_LESSON
from site_browser import broken_images, maths_problems, search, typeset_count

pytestmark = pytest.mark.site

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "site"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PLAIN_QUOTES = str.maketrans(
    {
        "\N{LEFT SINGLE QUOTATION MARK}": "'",
        "\N{RIGHT SINGLE QUOTATION MARK}": "'",
        "\N{LEFT DOUBLE QUOTATION MARK}": '"',
        "\N{RIGHT DOUBLE QUOTATION MARK}": '"',
    }
)


def cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text())["cells"]


def title(notebook: Path) -> str:
    return "".join(cells(notebook)[0]["source"]).splitlines()[0].lstrip("# ").strip()


def named_exercises(notebook: Path) -> set[str]:
    """The exercise files the lesson's last cell names (read here, not with the site's own reader)."""
    return set(re.findall(r"exercises/(ex\d\d_\w+\.py)", "".join(cells(notebook)[-1]["source"])))


def open_page(page, url: str) -> None:
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, f"{url} answered {response and response.status}"


def assert_stayed_local(log, served) -> None:
    assert not log.foreign(), f"requests left 127.0.0.1: {log.foreign()}"
    assert not log.failed, f"requests failed: {log.failed}"
    assert not served.errors, f"the server could not answer: {served.errors}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_page_loads_with_figures_maths_downloads_and_nothing_from_elsewhere(
    notebook, site_server, page_and_log, shots
):
    page, log = page_and_log
    open_page(page, f"{site_server.url}/notebooks/{notebook.stem}.html")
    heading = page.locator("article h1").first.inner_text()
    assert title(notebook) in heading, f"site/ is older than {notebook.name} (rebuild with `make site`)"

    # every figure loads, and the lesson was executed: a lesson that plots has its plots on the page
    assert not broken_images(page), f"images that did not load: {broken_images(page)}"
    plots = any("viz.plot_" in "".join(c["source"]) for c in cells(notebook) if c["cell_type"] == "code")
    if plots:
        assert page.locator("article img").count() > 0, "the lesson plots, but its page has no figure"
    problems = maths_problems(page)
    assert not problems, problems

    # a widget is shown as its starting figure with a note, never as its text repr
    text = page.locator("article").inner_text()
    assert "VBox(children" not in text and "HBox(children" not in text, "a widget shows as text"
    notes, figures = page.locator(".widget-note"), page.locator("img.widget-figure")
    drawn, not_drawn = notes.filter(has_text="drawn for the starting values"), notes.filter(has_text="cannot run it")
    assert drawn.count() == figures.count() and drawn.count() + not_drawn.count() == notes.count()
    if notebook == ADVANTAGE_LESSON:
        assert figures.count() >= 1, "the advantage lesson's sliders should show their starting figure"
        assert "running notebook" in notes.first.inner_text()
        page.screenshot(path=shots / f"{notebook.stem}.png", full_page=True)

    # the downloads are this lesson's notebook and the exercise files it names, byte for byte from the repository
    hrefs = page.eval_on_selector_all(".lesson-downloads a.download", "as => as.map(a => a.getAttribute('href'))")
    files = {Path(href).name: (SITE / "notebooks" / href).resolve() for href in hrefs}
    assert set(files) == {notebook.name} | named_exercises(notebook)
    for name, path in files.items():
        source = notebook if name == notebook.name else REPO / "exercises" / name
        assert path.read_bytes() == source.read_bytes(), f"the download {name} is not {source.relative_to(REPO)}"
    assert_stayed_local(log, site_server)


def test_landing_page_lists_the_lessons_in_order_with_what_you_learn(site_server, page_and_log, shots):
    page, log = page_and_log
    open_page(page, f"{site_server.url}/index.html")
    lessons = page.locator(".course-lessons > ol > li")
    assert lessons.count() == len(NOTEBOOKS), "site/ does not list every lesson (rebuild with `make site`)"
    for item, notebook in zip(lessons.all(), NOTEBOOKS):
        link = item.locator("a").first
        assert link.get_attribute("href") == f"notebooks/{notebook.stem}.html"
        assert title(notebook) in link.inner_text()
        first_goal = "".join(cells(notebook)[0]["source"]).split("**You will learn**")[1].split("\n- ")[1]
        first_words = " ".join(re.sub(r"[`*_]", "", first_goal).split()[:4])
        shown = " ".join(item.inner_text().translate(PLAIN_QUOTES).split())  # Sphinx writes smart quotes
        assert first_words in shown, f"{notebook.name}'s goals are missing"
    text = page.locator("article").inner_text()
    for step in ["make train", "make test", "jupyter lab notebooks/", "pytest exercises/", "a2c-lessons grade"]:
        assert step in text, f"the landing page does not say {step!r}"
    problems = maths_problems(page)
    assert typeset_count(page) >= 1 and not problems, problems
    page.screenshot(path=shots / "index.png", full_page=True)
    assert_stayed_local(log, site_server)


@pytest.mark.parametrize(
    ("term", "lesson"),
    [("GAE", "03_advantages_and_critic"), ("temperature", "01_lm_as_policy"), ("PPO", "08_beyond_a2c")],
)
def test_search_puts_the_lesson_that_teaches_a_term_first(term, lesson, site_server, page_and_log):
    page, log = page_and_log
    found = search(page, site_server.url, term)
    assert found and found[0] == f"notebooks/{lesson}.html", f"search for {term!r} found {found}"
    assert_stayed_local(log, site_server)


def test_search_finds_every_lesson_on_entropy(site_server, page_and_log):
    page, log = page_and_log
    found = search(page, site_server.url, "entropy")
    # the entropy bonus (lesson 5), its curve while training (5), entropy collapse (6)
    expected = {f"notebooks/{stem}.html" for stem in ["05_a2c_loss", "06_training", "07_instability"]}
    assert expected <= set(found), f"search for 'entropy' found {found}"
    assert_stayed_local(log, site_server)
