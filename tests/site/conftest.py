"""Fixtures for the website tests: the built site/ served on 127.0.0.1, and one headless Chromium per session.

`make site` builds site/; these tests read it and never build it (CI runs `make site` before `make test`). A
missing site or browser skips them, and fails them under CI=true, as tests/ui does.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
sys.path[:0] = [str(TESTS / "ui"), str(REPO / "site_src")]  # tests/ui's browser helpers; the site's lesson reader

from course import skip_or_fail  # noqa: E402
from lab_server import browser_missing, launch_chromium  # noqa: E402
from site_browser import RequestLog, Served, serve  # noqa: E402

SITE = REPO / "site"
SHOTS = REPO / "runs" / "site-screenshots"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "site: reads the built website (make site), in headless Chromium")


def pytest_terminal_summary(terminalreporter) -> None:
    if _taken:
        terminalreporter.write_line(f"Website screenshots (landing page, a lesson): {SHOTS}")


_taken: list[Path] = []  # screenshot folders this session emptied and wrote to


@pytest.fixture(scope="session")
def site() -> Path:
    """The built website; `make site` makes it."""
    if not (SITE / "index.html").is_file():
        skip_or_fail(f"the website is not built: run `make site` (it writes {SITE.relative_to(REPO)}/)")
    return SITE


@pytest.fixture(scope="session")
def site_server(site: Path) -> Iterator[Served]:
    with serve(site) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, with tests/ui's flags (no host but 127.0.0.1 resolves). One per
    module: Playwright's sync API allows one instance at a time, and tests/ui starts its own after these."""
    if reason := browser_missing():
        skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        chromium.close()


@pytest.fixture
def page_and_log(browser):
    """A fresh page whose context records every request it makes."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    log = RequestLog(context)
    yield context.new_page(), log
    context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """runs/site-screenshots/, emptied first so that every picture in it comes from this run."""
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    _taken.append(SHOTS)
    return SHOTS
