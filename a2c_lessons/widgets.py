"""The interactive parts of the lessons: sliders over one update, live training curves, a preference labeller.

Place in the data flow: like `viz`, at the end of the line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`, drawing what it makes.

The plots degrade to a static figure without a front end (a headless run, an
exported page): `LivePlot` leaves its last figure in the output, and a notebook draws
the static version of `distribution_shift_explorer` (with `viz.plot_distribution_shifts`)
before it shows the sliders. Figures here are not registered with pyplot, so the
inline backend does not show them a second time at the end of the cell.
`PreferenceLabeller` needs a person: headless, a lesson labels with a scripted taste.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence

from IPython.display import display
from matplotlib.figure import Figure

from a2c_lessons import corpus, preferences
from a2c_lessons.curves import plot_runs
from a2c_lessons.viz import plot_distribution_shifts

UpdateFn = Callable[[float, float], Sequence[float]]
"""(advantage A, learning rate) -> (V,) next-token distribution after one update."""


def distribution_shift_explorer(
    labels: Sequence[str],
    before,
    update_fn: UpdateFn,
    *,
    chosen: int,
    title: str,
    advantage: float = 1.0,
    lr: float = 1.0,
    advantage_range: tuple[float, float] = (-3.0, 3.0),
    lr_range: tuple[float, float] = (0.0, 4.0),
    top: int = 12,
):
    """Sliders for A and the learning rate over the before / after bars of one update.

    Args:
        labels, before, chosen, top: as in `viz.plot_distribution_shifts`.
        update_fn: (A, lr) -> (V,) distribution after one update of the chosen token with advantage A.
        title: the panel title; the slider values are appended.
        advantage, lr: the sliders' starting values.
    Returns:
        An ipywidgets VBox (sliders above the plot); `.figure` is the figure last drawn and
        `.sliders` the two sliders. None, with a message, when ipywidgets is missing.
    """
    try:
        import ipywidgets as w
    except ImportError:
        print("ipywidgets is not installed: the static plot above is all there is.")
        return None
    sliders = _sliders(w, advantage, lr, advantage_range, lr_range)
    out = w.Output()
    box = w.VBox([w.HBox(list(sliders.values())), out])
    box.sliders = sliders

    def redraw(change=None) -> None:
        a, rate = sliders["advantage"].value, sliders["lr"].value
        after = update_fn(a, rate)
        fig = Figure(figsize=(7.5, 3.6), layout="constrained")
        plot_distribution_shifts(
            labels, before, {f"{title}: A = {a:+.2f}, lr = {rate:.3g}": after}, chosen=chosen, top=top, fig=fig
        )
        box.figure = fig
        with out:
            out.clear_output(wait=True)
            display(fig)

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    redraw()
    return box


def _sliders(
    w, advantage: float, lr: float, advantage_range: tuple[float, float], lr_range: tuple[float, float]
) -> dict:
    """The A and learning-rate sliders; they fire on release, since each redraw runs an update."""
    lr_step = (lr_range[1] - lr_range[0]) / 100
    return {
        "advantage": w.FloatSlider(
            value=advantage,
            min=advantage_range[0],
            max=advantage_range[1],
            step=0.1,
            description="A",
            continuous_update=False,
        ),
        "lr": w.FloatSlider(
            value=lr,
            min=lr_range[0],
            max=lr_range[1],
            step=lr_step,
            description="lr",
            readout_format=".3g",
            continuous_update=False,
        ),
    }


class LivePlot:
    """A trainer callback that redraws metric curves every `every` steps, in the same output.

    Use as `trainer.train(callback=live)`, then `live.finish(trainer)` for the final curves.
    With a front end the figure updates while training runs; without one, the last
    figure drawn stays in the output.
    """

    def __init__(self, keys: Sequence[str], *, every: int = 5, label: str = "A2C", log_keys: Sequence[str] = ()):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.keys, self.every, self.label, self.log_keys = tuple(keys), every, label, tuple(log_keys)
        self.figure = Figure(
            figsize=(4.2 * min(3, len(self.keys)), 2.9 * -(-len(self.keys) // 3)), layout="constrained"
        )
        self.handle = None
        self.draws = 0

    def __call__(self, trainer, row: dict[str, float]) -> None:
        if row["step"] % self.every == 0:
            self.draw(trainer.metrics)

    def finish(self, trainer) -> Figure:
        """Draw the curves of every step so far; returns the figure."""
        self.draw(trainer.metrics)
        return self.figure

    def draw(self, metrics: Sequence[dict[str, float]]) -> None:
        if not metrics:
            return
        plot_runs({self.label: metrics}, self.keys, log_keys=self.log_keys, fig=self.figure)
        self.draws += 1
        if self.handle is None:
            self.handle = display(self.figure, display_id=True)
        else:
            self.handle.update(self.figure)


class PreferenceLabeller:
    """Two completions of one prompt, side by side; "left is better", "right is better" or "skip".

    Each label goes to the JSONL file at `path` the moment it is given (`preferences.append`),
    so closing the notebook loses nothing; a new labeller on the same file goes on counting,
    and shows new pairs rather than the ones already labelled. Completions are sampled from
    `policy` at temperature 1; the pair shown is `pair` (prompt, left, right).
    """

    def __init__(
        self,
        policy,
        path: str | os.PathLike,
        *,
        prompts: Sequence[str] = corpus.PROMPTS,
        seed: int = 0,
        max_new_tokens: int = 24,
    ):
        import ipywidgets as w

        self.policy, self.path, self.prompts = policy, path, tuple(prompts)
        self.seed, self.max_new_tokens = seed, max_new_tokens
        self.draws = preferences.count(path)  # a reopened file continues with pairs it has not seen
        self.prompt, self.left, self.right, self.counter = (w.HTML() for _ in range(4))
        for box, name in ((self.prompt, "prompt"), (self.left, "left"), (self.right, "right"), (self.counter, "count")):
            box.add_class(f"a2c-pref-{name}")
        buttons = [w.Button(description=text) for text in ("left is better", "right is better", "skip")]
        for button, side, name in zip(buttons, (0, 1, None), ("left", "right", "skip")):
            button.add_class(f"a2c-pref-choose-{name}")
            button.on_click(lambda _, side=side: self.choose(side))
        self.widget = w.VBox([self.prompt, w.HBox([self.left, self.right]), w.HBox(buttons), self.counter])
        self.next_pair()

    def next_pair(self) -> None:
        prompt = self.prompts[self.draws % len(self.prompts)]
        completions = preferences.sample_completions(
            self.policy, prompt, seed=self.seed * 100_003 + self.draws, max_new_tokens=self.max_new_tokens
        )
        self.pair, self.draws = (prompt, *completions), self.draws + 1
        self.prompt.value = f"<b>prompt:</b> {html.escape(prompt) or '(the start of a review)'}"
        for box, completion in ((self.left, completions[0]), (self.right, completions[1])):
            box.value = f"<div style='width:22em;padding:0.5em;border:1px solid #ccc'>{html.escape(completion)}</div>"
        self.counter.value = f"{preferences.count(self.path)} pairs labelled, in {html.escape(str(self.path))}"

    def choose(self, side: int | None) -> None:
        """Record that the completion on `side` (0 left, 1 right) is better, or skip (None); show the next pair."""
        prompt, *completions = self.pair
        if side is not None and completions[0] != completions[1]:
            preferences.append(self.path, preferences.Pair(prompt, completions[side], completions[1 - side]))
        self.next_pair()

    def _ipython_display_(self) -> None:
        display(self.widget)
