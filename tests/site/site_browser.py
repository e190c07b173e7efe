"""Serving a folder on 127.0.0.1 and the checks a page of the course website must pass in Chromium.

Each check returns what is wrong (an empty list when nothing is), so that the tests can both require a clean
page and show, on pages made broken on purpose, that the check notices.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOCAL_HOST = "127.0.0.1"


@dataclass
class Served:
    """A folder served over HTTP on 127.0.0.1, and every request the server could not answer."""

    url: str
    errors: list[str] = field(default_factory=list)  # "404 /path" for each failed request


@contextmanager
def serve(folder) -> Iterator[Served]:
    """Serve `folder` read-only on a free port of 127.0.0.1 until the block ends."""
    served = Served(url="")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, fmt: str, *args) -> None:  # quiet, but keep what failed
            pass

        def log_error(self, fmt: str, *args) -> None:
            pass

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            served.errors.append(f"{code} {self.path}")
            super().send_error(code, message, explain)

    server = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), functools.partial(Handler, directory=str(folder)))
    served.url = f"http://{LOCAL_HOST}:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class RequestLog:
    """Every request a browser context makes, the ones that left 127.0.0.1, and the ones that failed."""

    def __init__(self, context) -> None:
        self.urls: list[str] = []
        self.failed: list[str] = []
        context.on("request", lambda request: self.urls.append(request.url))
        context.on("requestfailed", lambda request: self.failed.append(f"{request.failure} {request.url}"))
        context.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))

    def foreign(self) -> list[str]:
        """Requests to any host but 127.0.0.1 (a CDN, a font service): recorded even though they cannot
        resolve here, because Chromium announces a request before it looks the host up."""
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in {"data", "blob", "about"} and urlsplit(url).hostname != LOCAL_HOST
        ]


def broken_images(page) -> list[str]:
    """The images on the page that did not load (naturalWidth 0), after every one has been given the chance."""
    page.evaluate("""async () => {
        for (const img of document.images) { img.loading = "eager"; }
        await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
    }""")
    return page.evaluate("""() => [...document.images]
        .filter(img => !img.complete || img.naturalWidth === 0)
        .map(img => img.getAttribute("src"))""")


# TeX that should have become typeset maths: \( \) \[ \] $$, $...$ and the commands the course's formulas use.
RAW_TEX = r"\\[()[\]]|\$\$|\$[^$\s][^$]*\$|\\(?:frac|sum|mathbb|mathcal|theta|pi|log|nabla|mid|big)\b"


def maths_problems(page, timeout_ms: int = 30_000) -> list[str]:
    """What is wrong with the page's maths: on a page with formulas (Sphinx's .math), MathJax that never started or
    a formula it did not typeset; on any page, raw TeX left in the visible text (outside code, where TeX is text)."""
    has_formulas = page.locator(".math").count() > 0
    started = not has_formulas or page.evaluate(
        """async (timeout) => {
            const deadline = Date.now() + timeout;
            while (!window.MathJax?.startup?.promise) {
                if (Date.now() > deadline) return false;
                await new Promise(r => setTimeout(r, 100));
            }
            await window.MathJax.startup.promise;
            return true;
        }""",
        timeout_ms,
    )
    problems = [] if started else ["MathJax did not start (not loaded, or loaded from elsewhere)"]
    problems += [
        f"formula not typeset: {tex}"
        for tex in page.evaluate("""() => [...document.querySelectorAll(".math")]
            .filter(m => !m.querySelector("mjx-container")).map(m => m.textContent.trim().slice(0, 80))""")
    ]
    problems += [
        f"raw TeX in the text: {text}"
        for text in page.evaluate(
            """(pattern) => {
                const tex = new RegExp(pattern);
                const skip = "PRE, CODE, SCRIPT, STYLE, TEXTAREA, MJX-CONTAINER, MJX-ASSISTIVE-MML, .highlight";
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                const found = [];
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    const parent = node.parentElement;
                    if (parent && !parent.closest(skip) && tex.test(node.textContent)) {
                        found.push(node.textContent.trim().slice(0, 80));
                    }
                }
                return found;
            }""",
            RAW_TEX,
        )
    ]
    return problems


def typeset_count(page) -> int:
    """How many formulas MathJax has typeset on the page."""
    return page.locator("mjx-container").count()


def search(page, base_url: str, term: str) -> list[str]:
    """The pages Sphinx's own search (searchindex.js, in the browser) finds for `term`, best first."""
    page.goto(f"{base_url}/search.html?q={term}", wait_until="load")
    page.wait_for_function(
        """() => /Search finished|did not match/.test(document.querySelector("#search-results")?.textContent ?? "")"""
    )
    hrefs = page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.getAttribute('href'))"
    )
    return list(dict.fromkeys(href.split("#")[0] for href in hrefs))
