"""Run a notebook through JupyterLab's interface and check what a student would see.

The checks (`check_no_errors`, `move_slider_and_check`) raise `UIFailure` with a message that names the
cell or the slider, so the tests of the tests in test_ui_checks.py can assert on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
from lab_server import Lab, UIFailure, wait_for

# Texts the ipywidgets front end shows instead of a widget when the kernel-side model is missing or broken.
WIDGET_ERROR_TEXTS = ("Error displaying widget", "model not found", "Failed to load model class")
# An error line in a stderr output: "ZeroDivisionError: ..." at a line start (warnings print "path:12: UserWarning").
ERROR_LINE = re.compile(r"^(?:\w+\.)*\w*(?:Error|Exception)\b.*$", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Reads JupyterLab's own notebook model (window.jupyterapp, exposed by --LabApp.expose_app_in_browser): error
# outputs and execution counts exactly as the front end holds them, not guessed from rendered text.
NOTEBOOK_STATE_JS = """(path) => {
  if (!window.jupyterapp) return null;  // the page is still loading
  const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) return null;
  const cells = panel.content.widgets.map((cell, i) => {
    const m = cell.model, code = m.type === 'code';
    return {source: m.sharedModel.getSource(), code, count: code ? m.executionCount : null,
            queued: code && m.executionState === 'running',  // set for every queued cell, shown as [*]
            errors: code ? m.outputs.toJSON().filter(o => o.output_type === 'error')
                                .map(o => `${o.ename}: ${o.evalue}`) : []};
  });
  if (window.__idles === undefined) {  // counts busy->idle transitions: proof that the kernel handled a message
    window.__idles = 0;
    kernel.statusChanged.connect((_, status) => { if (status === 'idle') window.__idles += 1; });
  }
  return {kernel: kernel.status, idles: window.__idles, cells};
}"""

# Rendered outputs the model cannot show: widget views (and the Output widgets inside them, where an
# interact callback's traceback lands) and the widget manager's own error texts.
RENDERED_PROBLEMS_JS = """(texts) => {
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
  const found = [];
  cells.forEach((cell, i) => {
    for (const out of cell.querySelectorAll('.jp-OutputArea-output')) {
      const text = out.innerText || '';
      if (out.closest('.jupyter-widgets') && out.dataset.mimeType === 'application/vnd.jupyter.stderr')
        found.push({cell: i, kind: 'widget-stderr', text});
      else if (!out.dataset.mimeType &&  // the widget renderer's node carries no mime type
               (texts.some(t => text.includes(t)) || text.startsWith('Loading widget')))
        found.push({cell: i, kind: 'widget', text});
    }
  });
  return found;
}"""


def open_notebook(page, lab: Lab, name: str, timeout: float = 90) -> None:
    """Open `name` in a reset workspace and wait until its kernel has started and is idle."""
    page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}", timeout=timeout * 1000)
    wait_for(lambda: (_state(page, name) or {}).get("kernel") == "idle", timeout, f"the kernel of {name} to start")


def _state(page, name: str) -> dict | None:
    return page.evaluate(NOTEBOOK_STATE_JS, name)


def run_all_cells(page, name: str, timeout: float = 180) -> None:
    """Run > Run All Cells from the menu bar, then wait until the run is over (finished or stopped by an error)."""
    page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})  # the menu acts on the active notebook
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    def over() -> bool:
        # The kernel is briefly idle between two cells, but the cells still to run show "[*]"; empty cells
        # never get a count; after an error JupyterLab drops the rest of the queue.
        st = _state(page, name)
        code = [c for c in st["cells"] if c["code"] and c["source"].strip()]
        done = all(c["count"] for c in code) or any(c["errors"] for c in code)
        return st["kernel"] == "idle" and done and not any(c["queued"] for c in code)

    wait_for(over, timeout, f"Run All Cells of {name} to finish")
    # Widget views render after the kernel is idle: give them a bounded moment; check_no_errors reports stragglers.
    try:
        wait_for(lambda: not any(p["text"].startswith("Loading widget") for p in _rendered(page)), 20, "widgets")
    except UIFailure:
        pass


def _rendered(page) -> list[dict]:
    return page.evaluate(RENDERED_PROBLEMS_JS, list(WIDGET_ERROR_TEXTS))


def check_no_errors(page, name: str, through: int | None = None) -> None:
    """Raise UIFailure naming every cell that raised, did not run, or shows a broken widget or a traceback.

    through: the index of the last cell that must have run (default: the last cell of the notebook).
    """
    cells = _state(page, name)["cells"]
    last = len(cells) - 1 if through is None else through
    problems: list[tuple[int, str]] = []  # (cell index, message), reported in notebook order
    for i, cell in enumerate(cells):
        problems += [(i, f"raised {err}") for err in cell["errors"]]
        if i <= last and cell["code"] and cell["source"].strip() and not cell["count"] and not cell["errors"]:
            problems.append((i, "did not run (no execution count)"))
    for found in _rendered(page):
        text = ANSI.sub("", found["text"]).strip()
        if found["kind"] == "widget":
            problems.append((found["cell"], f"shows {text!r} instead of its widget"))
        elif "Traceback" in text or ERROR_LINE.search(text):
            last = (ERROR_LINE.findall(text) or [text.splitlines()[-1]])[-1]
            problems.append((found["cell"], f"shows an error in its widget's output: {last}"))
    if problems:
        raise UIFailure(f"{name}: " + "; ".join(f"{_where(i, cells[i])} {msg}" for i, msg in sorted(problems)))


def _where(index: int, cell: dict) -> str:
    # The cell number as JupyterLab's status bar counts it ("Cell 3/7"), and its first line to find it by.
    first = next((line for line in cell["source"].splitlines() if line.strip()), "")
    return f"cell {index + 1} ({first[:60]!r})"


# ---------------------------------------------------------------- sliders


@dataclass
class Slider:
    """One ipywidgets slider on the page: its description, the cell it sits in (0-based), and its locator."""

    label: str
    cell: int
    root: object  # playwright Locator of the .widget-slider element

    @property
    def handle(self):
        return self.root.locator(".noUi-handle").first

    def value_text(self) -> str:
        # noUiSlider's aria-valuetext: the handle's position in slider units (the exponent for a log slider)
        return self.handle.get_attribute("aria-valuetext") or ""

    def readout(self) -> str:
        return self.root.locator(".widget-readout").inner_text().strip()


def find_sliders(page) -> list[Slider]:
    """Every ipywidgets slider in the open notebook, in page order."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    sliders = []
    for i in range(cells.count()):
        roots = cells.nth(i).locator(".widget-slider")
        for j in range(roots.count()):
            label = roots.nth(j).locator(".widget-label").inner_text().strip() or f"slider {j + 1}"
            sliders.append(Slider(label, i, roots.nth(j)))
    return sliders


def move_slider_and_check(page, name: str, slider: Slider, shots: Path, timeout: float = 60) -> tuple[Path, Path]:
    """Press an arrow key on `slider`, wait for the kernel to redraw, check plot, readout and errors.

    Raises UIFailure when the slider does not move, the kernel gets nothing, the plot in the slider's cell does
    not change, or the readout does not show the new value. Returns the before/after screenshots it saved.
    """
    what = f"{name}: slider {slider.label!r} in {_where(slider.cell, _state(page, name)['cells'][slider.cell])}"
    plots = _plot_of(slider)
    if plots.count() == 0:
        raise UIFailure(f"{what} has no plot image in its cell's output")
    stem = re.sub(r"[^\w-]+", "_", f"{Path(name).stem}-cell{slider.cell + 1}-{slider.label}")
    shot = {when: shots / f"{stem}-{when}.png" for when in ("before", "after")}
    output_area = page.locator(".jp-Notebook .jp-Cell").nth(slider.cell).locator(".jp-Cell-outputArea")
    output_area.screenshot(path=shot["before"])  # slider and plot together, for a person to look at
    before, old_value, old_readout = _images(plots), slider.value_text(), slider.readout()
    _press_and_wait(page, name, slider, what, timeout)
    try:  # the new image may reach the DOM a frame after the kernel's idle; only a real redraw ends this early
        wait_for(lambda: _differ(before, _images(plots)), 3, "")
    except UIFailure:
        pass
    output_area.screenshot(path=shot["after"])
    check_no_errors(page, name)  # a slider value that makes the callback raise is a bug too
    new_value, new_readout = slider.value_text(), slider.readout()
    if not _differ(before, _images(plots)):
        raise UIFailure(
            f"{what} moved ({old_value} -> {new_value}) but the plot did not change: "
            f"the slider redraws nothing (screenshots {shot['before']}, {shot['after']})"
        )
    if new_readout == old_readout or not _readout_matches(new_readout, new_value):
        raise UIFailure(
            f"{what} moved ({old_value} -> {new_value}) but its readout shows {new_readout!r} (was {old_readout!r})"
        )
    return shot["before"], shot["after"]


def _plot_of(slider: Slider):
    # The plot a slider drives: the images of its nearest enclosing element that has any, inside its cell's
    # output (so a static figure drawn earlier in the same output is not mistaken for the slider's plot).
    return slider.root.locator(
        "xpath=ancestor::*[.//img][ancestor::div[contains(@class, 'jp-Cell-outputArea')]][1]//img"
    )


def _press_and_wait(page, name: str, slider: Slider, what: str, timeout: float) -> None:
    """One arrow key on the focused handle (right, or left at the maximum), then wait for the kernel's redraw."""
    old_value = slider.value_text()
    key = "ArrowLeft" if old_value == slider.handle.get_attribute("aria-valuemax") else "ArrowRight"
    idles = _state(page, name)["idles"]
    slider.handle.focus()
    page.keyboard.press(key)
    wait_for(lambda: slider.value_text() != old_value, 5, f"{what} to move on {key}")
    wait_for(lambda: _kernel_done(page, name, idles), timeout, f"the kernel to handle the move of {what}")
    loaded = "imgs => imgs.every(i => i.complete)"
    wait_for(lambda: page.evaluate(loaded, _plot_of(slider).element_handles()), 10, f"the plot of {what} to load")


def _kernel_done(page, name: str, idles: int) -> bool:
    st = _state(page, name)
    return st["kernel"] == "idle" and st["idles"] > idles


def _images(plots) -> list[np.ndarray]:
    from PIL import Image  # Pillow comes with matplotlib

    return [np.asarray(Image.open(BytesIO(plots.nth(i).screenshot())).convert("RGB")) for i in range(plots.count())]


def _differ(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    """Any pixel differs: a redraw from the same numbers is pixel-identical, so no tolerance is needed."""
    return len(a) != len(b) or any(x.shape != y.shape or bool((x != y).any()) for x, y in zip(a, b))


def _readout_matches(readout: str, value: str) -> bool:
    """The readout shows `value` to its printed precision ("0.60" for 0.6); a log slider shows 10**value."""
    m = re.fullmatch(r"-?\d*\.?(\d*)(?:e([+-]?\d+))?", readout)
    try:
        shown, position = float(readout), float(value)
    except ValueError:
        return readout == value  # SelectionSlider and friends: labels, not numbers
    tol = 0.5 * 10.0 ** (int(m.group(2) or 0) - len(m.group(1))) if m else 0.0
    return any(abs(shown - v) <= tol * (1 + 1e-9) for v in (position, 10.0**position))
