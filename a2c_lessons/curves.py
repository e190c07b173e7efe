"""The plots of training over many steps: the trainer's metric rows, and word probabilities over steps.

Place in the data flow: after `step`, at the end of the line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`: each A2C step
appends one row of metrics (`A2CTrainer.metrics`), and these functions draw the rows
of one or several runs side by side (lessons 5-8), or the probability of sets of words
(`logpi.word_mass`) measured every few steps. `widgets.LivePlot` redraws `plot_runs` live.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from a2c_lessons.viz import as_numpy, panel_grid

# metric -> the y-axis label, with its unit: what the trainer's rows (and lesson 8's epoch rows) measure
METRIC_LABELS = {
    "reward": "mean reward per review",
    "positive": "share of the batch positive",
    "grammatical": "share of the batch grammatical",
    "kl": "KL to the reference (nats per review)",
    "entropy": "entropy (nats per token)",
    "critic_loss": "critic loss (squared reward units)",
    "actor_loss": "actor loss (reward units)",
    "adv_mean": "mean advantage (reward units)",
    "adv_std": "advantage std (reward units)",
    "grad_norm": "gradient norm before clipping",
    "explained_var": "explained variance of the returns",
    "ratio_max_dev": "largest |rho - 1|",
    "tokens_per_s": "tokens per second",
    "response_length": "mean response length (tokens)",
    "mean |rho - 1|": "mean |rho - 1| per token",
    "fraction outside clip": "share of tokens outside the clip",
    "KL(old || new) per token": "KL(old || new) (nats per token)",
}
# shares live in [0, 1]: drawn on that whole range, so a dip from 1.0 to 0.97 looks like what it is
SHARE_METRICS = frozenset({"positive", "grammatical", "fraction outside clip"})


def plain_number(value: float, _position=None) -> str:
    """A tick label as a plain number ("0", "1", "100", "1,000", "0.5"), not "10^2": symlog axes read as values."""
    return f"{value:,.0f}" if abs(value) >= 1 else f"{value:g}"


def plot_runs(
    runs: Mapping[str, Sequence[Mapping[str, float]]],
    keys: Sequence[str],
    *,
    x: str = "step",
    ncols: int = 3,
    log_keys: Sequence[str] = (),
    ylabels: Mapping[str, str] | None = None,
    fig: Figure | None = None,
) -> Figure:
    """One panel per metric, one line per run: the trainer's metric rows side by side.

    Each panel's y axis is labelled with the metric and its unit (`METRIC_LABELS`, or `ylabels`); a share
    (`SHARE_METRICS`) is drawn from 0 to 1; a symlog axis has plain-number ticks.

    Args:
        runs: run name -> list of metric dicts (e.g. `A2CTrainer.metrics`).
        keys: the metrics to plot, one panel each.
        x: the metric on the horizontal axis.
        log_keys: metrics drawn on a symmetric log scale (e.g. a KL that explodes), linear within +-1.
        ylabels: metric -> y-axis label, for metrics `METRIC_LABELS` does not know (or to override it).
        fig: draw on this figure (cleared) instead of a new one, for live updates.
    """
    labels = {**METRIC_LABELS, **(ylabels or {})}
    fig, axes = panel_grid(len(keys), ncols, fig, (4.2, 2.9))
    for ax, key in zip(axes, keys):
        for name, rows in runs.items():
            # a run without this metric (no critic, no critic loss) draws nothing here, but keeps its colour
            ax.plot([row[x] for row in rows], [row.get(key, math.nan) for row in rows], label=name)
        if key in log_keys:
            ax.set_yscale("symlog", linthresh=1.0)
            ax.yaxis.set_major_formatter(FuncFormatter(plain_number))
        if key in SHARE_METRICS:
            ax.set_ylim(-0.02, 1.02)
        ax.set(title=key, xlabel=x, ylabel=labels.get(key, key))
    if len(runs) > 1:
        axes[0].legend(loc="best", fontsize="small")
    return fig


def plot_word_mass(
    steps: Sequence[int],
    masses: Mapping[str, object],
    prompts: Sequence[str],
    *,
    colors: Mapping[str, str] | None = None,
) -> Figure:
    """The probability of sets of words as the next word, over training, one panel per prompt.

    Args:
        steps: S training steps at which the masses were measured.
        masses: name of a word set -> (S, P) float, its probability mass after each prompt
            (e.g. `word_mass` of the positive adjectives).
        prompts: the P prompts.
        colors: name -> line colour.
    """
    fig, axes = panel_grid(len(prompts), 3, None, (4.2, 3.0))
    for p, ax in enumerate(axes):
        for name, mass in masses.items():
            ax.plot(steps, np.atleast_2d(as_numpy(mass))[:, p], color=(colors or {}).get(name), marker=".", label=name)
        ax.set(title=f'"{prompts[p]} ..."', xlabel="step", ylabel="probability of the next word", ylim=(0, 1))
    axes[0].legend(loc="best", fontsize="small")
    return fig


def plot_overoptimisation(runs: Mapping[str, Sequence[Mapping[str, float]]], *, fig: Figure | None = None) -> Figure:
    """Proxy reward and gold score along training, and gold against sqrt(KL to the start) (Gao et al. 2022).

    Left and middle: proxy and gold against the training step, one line per run, points joined in step
    order. Right: gold against sqrt(KL), one marker per measurement, unjoined (sqrt(KL) can go back and
    forth along training), light for the first measurements and dark for the last, the first and the last
    labelled with their step; half transparent, so a pile of points (a run at gold 0) reads darker.

    Args:
        runs: run name -> rows of `evaluation.proxy_and_gold` taken along training (each with
            "step", "sqrt_kl", "proxy" and "gold").
    """
    fig, (ax_proxy, ax_gold, ax_kl) = panel_grid(3, 3, fig, (4.4, 3.4))
    for name, rows in runs.items():
        steps = [row["step"] for row in rows]
        line = ax_proxy.plot(steps, [row["proxy"] for row in rows], marker=".", label=name)[0]
        color = line.get_color()
        ax_gold.plot(steps, [row["gold"] for row in rows], marker=".", color=color, label=name)
        gold = np.array([row["gold"] for row in rows])
        sqrt_kl = np.array([row["sqrt_kl"] for row in rows])
        shade = np.linspace(0.25, 1.0, len(rows))  # the step order, light to dark
        ax_kl.scatter(sqrt_kl, gold, s=28, color=color, alpha=0.6 * shade, label=name)
        for i in (0, len(rows) - 1):
            step_label = {"fontsize": "x-small", "color": color, "xytext": (3, 3), "textcoords": "offset points"}
            ax_kl.annotate(f"step {steps[i]}", (sqrt_kl[i], gold[i]), **step_label)
    ax_proxy.set(title="proxy: the learned reward", xlabel="step", ylabel="mean proxy reward per review")
    ax_gold.set(title="gold: the true taste", xlabel="step", ylabel="share of reviews with the property")
    ax_kl.set(
        title="gold against distance",
        xlabel="sqrt(KL to the start) (sqrt nats per review)",
        ylabel="share of reviews with the property",
    )
    ax_gold.set_ylim(-0.05, 1.05)
    ax_kl.set_ylim(-0.05, 1.05)
    ax_gold.legend(loc="best", fontsize="small")
    return fig
