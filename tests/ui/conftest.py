"""Fixtures for the browser tests: one JupyterLab server and one headless Chromium per test session.

Every test gets a fresh browser context on the shared server; its kernels are shut down when it ends, and the
server (with any kernel left) and the browser when the session ends, also after a failure or a timeout.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from course import FIXTURES, SHOTS, skip_or_fail, widget_lessons
from lab_server import Lab, browser_missing, jupyter_lab, launch_chromium


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ui: drives JupyterLab in headless Chromium (tests/ui)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)  # lets the page fixture screenshot a failed test
    return report


def pytest_terminal_summary(terminalreporter) -> None:
    if SHOTS.is_dir() and any(SHOTS.iterdir()):
        terminalreporter.write_line(f"UI screenshots (before/after each slider move, failures): {SHOTS}")


@pytest.fixture(scope="session")
def shots() -> Path:
    """runs/ui-screenshots/, emptied first so that every picture in it comes from this run."""
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 serving copies of the widget lessons and the fixture notebooks."""
    if reason := browser_missing():
        skip_or_fail(reason)
    notebooks = [nb for nb in widget_lessons() if nb.exists()] + sorted(FIXTURES.glob("*.ipynb"))
    with jupyter_lab(tmp_path_factory.mktemp("lab"), notebooks) as server:
        yield server


@pytest.fixture(scope="session")
def browser(lab: Lab):
    """Headless Debian Chromium, driven by Playwright; requested after `lab`, so it is closed before the server."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        chromium.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser, lab: Lab, shots: Path):
    """A fresh browser context (no state from other tests); afterwards every kernel this test started is stopped."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)  # a bound on every Playwright action and wait
    page = context.new_page()
    yield page
    try:
        if getattr(request.node, "report_call", None) and request.node.report_call.failed:
            name = re.sub(r"\W+", "_", request.node.name)
            page.screenshot(path=shots / f"FAILED-{name}.png", full_page=True)
    finally:
        context.close()
        for session in lab.api("GET", "/api/sessions"):
            lab.api("DELETE", f"/api/sessions/{session['id']}")
