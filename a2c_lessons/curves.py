"""The plots of training over many steps: the trainer's metric rows, and word probabilities over steps.

Place in the data flow: after `step`, at the end of the line
`prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step`: each A2C step
appends one row of metrics (`A2CTrainer.metrics`), and these functions draw the rows
of one or several runs side by side (lessons 4-7), or the probability of sets of words
(`scoring.word_mass`) measured every few steps. `widgets.LivePlot` redraws `plot_runs` live.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from a2c_lessons.viz import as_numpy, panel_grid


def plot_runs(
    runs: Mapping[str, Sequence[Mapping[str, float]]],
    keys: Sequence[str],
    *,
    x: str = "step",
    ncols: int = 3,
    log_keys: Sequence[str] = (),
    fig: Figure | None = None,
) -> Figure:
    """One panel per metric, one line per run: the trainer's metric rows side by side.

    Args:
        runs: run name -> list of metric dicts (e.g. `A2CTrainer.metrics`).
        keys: the metrics to plot, one panel each.
        x: the metric on the horizontal axis.
        log_keys: metrics drawn on a symmetric log scale (e.g. a KL that explodes).
        fig: draw on this figure (cleared) instead of a new one, for live updates.
    """
    fig, axes = panel_grid(len(keys), ncols, fig, (4.2, 2.9))
    for ax, key in zip(axes, keys):
        for name, rows in runs.items():
            # a run without this metric (no critic, no critic loss) draws nothing here, but keeps its colour
            ax.plot([row[x] for row in rows], [row.get(key, math.nan) for row in rows], label=name)
        if key in log_keys:
            ax.set_yscale("symlog", linthresh=1.0)
        ax.set(title=key, xlabel=x)
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
    """Proxy reward and gold score against sqrt(KL to the start), one line per run (Gao et al. 2022, fig. 1).

    Args:
        runs: run name -> rows of `evaluation.proxy_and_gold` taken along training (each with
            "sqrt_kl", "proxy" and "gold").
    """
    fig, (ax_proxy, ax_gold) = panel_grid(2, 2, fig, (5.0, 3.4))
    for name, rows in runs.items():
        x = [row["sqrt_kl"] for row in rows]
        line = ax_proxy.plot(x, [row["proxy"] for row in rows], marker=".", label=name)[0]
        ax_gold.plot(x, [row["gold"] for row in rows], marker=".", color=line.get_color(), label=name)
    ax_proxy.set(title="proxy: the learned reward", xlabel="sqrt(KL to the start)", ylabel="mean reward")
    ax_gold.set(title="gold: the true taste", xlabel="sqrt(KL to the start)", ylabel="share with the property")
    ax_gold.legend(loc="best", fontsize="small")
    return fig
