"""The website checks catch what they are there to catch: pages broken on purpose, served like the real site.

Each page below holds one fault: a script from a CDN, a formula MathJax never typeset, raw TeX in the text, a
missing image. The same helpers pass on the real pages (test_site.py), so a check that stopped looking would
fail here.
"""

from __future__ import annotations

import pytest
from site_browser import broken_images, maths_problems, serve

pytestmark = pytest.mark.site

PAGES = {
    "cdn.html": '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script><p>hello</p>',
    "untypeset.html": '<p>The loss <span class="math notranslate nohighlight">\\(L(\\theta)\\)</span>.</p>',
    "rawtex.html": "<p>We minimise $L = -\\mathbb{E}[U]$ here.</p><pre>$ make site  # shell: not maths</pre>",
    "image.html": '<p><img src="missing.png" alt="a figure that is not there"></p>',
    "clean.html": '<p>Plain text, a <code>\\frac</code> in code, and <img src="dot.svg" alt="dot"></p>',
}
DOT = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken-site")
    for name, body in PAGES.items():
        (folder / name).write_text(
            f"<!doctype html><html><head><meta charset='utf-8'></head><body>{body}</body></html>"
        )
    (folder / "dot.svg").write_text(DOT)
    with serve(folder) as served:
        yield served


def visit(page, served, name: str) -> None:
    page.goto(f"{served.url}/{name}", wait_until="load")


def test_a_script_from_a_cdn_is_caught_although_it_cannot_load_here(browser, page_and_log, broken_site):
    page, log = page_and_log
    visit(page, broken_site, "cdn.html")
    assert log.foreign() == ["https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"]


def test_a_formula_mathjax_never_typeset_is_caught(browser, page_and_log, broken_site):
    page, log = page_and_log
    visit(page, broken_site, "untypeset.html")
    problems = maths_problems(page, timeout_ms=1_000)
    assert any("MathJax did not start" in p for p in problems)
    assert any("formula not typeset" in p for p in problems)
    assert any("raw TeX" in p and "\\(L(\\theta)\\)" in p for p in problems)


def test_raw_tex_in_prose_is_caught_but_tex_in_code_is_not(browser, page_and_log, broken_site):
    page, log = page_and_log
    visit(page, broken_site, "rawtex.html")
    raw = [p for p in maths_problems(page, timeout_ms=1_000) if "raw TeX" in p]
    assert raw == ["raw TeX in the text: We minimise $L = -\\mathbb{E}[U]$ here."]


def test_a_missing_image_is_caught(browser, page_and_log, broken_site):
    page, log = page_and_log
    visit(page, broken_site, "image.html")
    assert broken_images(page) == ["missing.png"]
    assert any("404" in failure and "missing.png" in failure for failure in log.failed)
    assert "404 /missing.png" in broken_site.errors


def test_a_clean_page_without_formulas_passes_every_check(browser, page_and_log, broken_site):
    page, log = page_and_log
    visit(page, broken_site, "clean.html")
    assert broken_images(page) == [] and log.foreign() == [] and log.failed == []
    assert maths_problems(page, timeout_ms=1_000) == []  # no formula: MathJax need not be there
