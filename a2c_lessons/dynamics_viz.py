"""The plots of learning dynamics: what one update does to pi(. | x) at contexts it was not taken on.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> **step**;
these draw what `dynamics` computes (the first-order change lr A (I - 1 pi^T) J(x_o) g_u and the actual one)
and one batch's tokens before and after a step, and never change it:

    predicted against actual Delta log pi        -> plot_predicted_vs_actual
    how far each context moves                   -> plot_movement_heatmap
    entropy and top-token probability over steps -> plot_squeezing
    one batch, token by token                    -> plot_token_batch

Every function accepts tensors or plain sequences, draws on new axes (or the `ax` it is given) and returns
the Figure, so a test can read back the data it drew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from a2c_lessons.viz import _new_axes, as_numpy


def plot_predicted_vs_actual(predicted: Mapping[str, object], actual: Mapping[str, object], *, ax=None) -> Figure:
    """One dot per (context, token): the first-order Delta log pi against the actual one, per series.

    Args:
        predicted, actual: series name -> (N,) float, the same N (context, token) pairs in both.
    """
    fig, ax = _new_axes(ax, (5.5, 4.5))
    low, high = np.inf, -np.inf
    for name, pred in predicted.items():
        pred, act = as_numpy(pred).ravel(), as_numpy(actual[name]).ravel()
        ax.scatter(act, pred, s=6, alpha=0.6, label=name)
        low, high = min(low, act.min(), pred.min()), max(high, act.max(), pred.max())
    ax.plot([low, high], [low, high], color="black", lw=0.8, label="predicted = actual")
    ax.set(xlabel="actual change of log pi(v | x_o) (nats)", ylabel="first-order prediction (nats)")
    ax.legend(fontsize=8)
    return fig


def plot_movement_heatmap(values, row_labels: Sequence[str], col_labels: Sequence[str], *, title: str) -> Figure:
    """A (rows, cols) table of changes as a heatmap centred on zero (red down, blue up), with each value written.

    Args:
        values: (R, C) float, e.g. Delta log pi(token | context) for R contexts and C tokens.
    """
    values = as_numpy(values)
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * len(col_labels), 0.9 + 0.4 * len(row_labels)), layout="constrained")
    bound = max(float(np.abs(values).max()), 1e-12)
    image = ax.imshow(values, cmap="RdBu", norm=TwoSlopeNorm(0.0, -bound, bound), aspect="auto")
    for (r, c), value in np.ndenumerate(values):
        ax.text(c, r, f"{value:+.3f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(col_labels)), list(col_labels), rotation=30, ha="right")
    ax.set_yticks(range(len(row_labels)), list(row_labels))
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label="change (nats)")
    return fig


def plot_squeezing(curves: Mapping[str, Mapping[str, object]]) -> Figure:
    """Entropy and the top token's probability of pi(. | x) over repeated steps, one line per run.

    Args:
        curves: run name -> {"entropy": (N + 1,) float nats, "top": (N + 1,) float}, step 0 first.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for name, curve in curves.items():
        entropy, top = as_numpy(curve["entropy"]), as_numpy(curve["top"])
        left.plot(range(len(entropy)), entropy, marker=".", label=name)
        right.plot(range(len(top)), top, marker=".", label=name)
    left.set(xlabel="steps taken", ylabel="entropy of pi(. | x) (nats)")
    right.set(xlabel="steps taken", ylabel="probability of the top token", ylim=(0, 1))
    left.legend(fontsize=8)
    return fig


def plot_token_batch(
    tokens: Sequence[Sequence[str]], advantages, before, after, mask, *, clip: float | None = None
) -> Figure:
    """One row per response: each token coloured by its advantage, with log pi before and after and the ratio.

    Args:
        tokens: B lists of token strings. advantages, before, after: (B, T) float, A_t and log pi(y_t) before
            and after the step. mask: (B, T) bool, True on real tokens.
        clip: PPO's epsilon; tokens whose ratio left [1 - eps, 1 + eps] in the direction A favours get a black
            frame (PPO would give them no gradient on the next epoch).
    """
    advantages, before, after = as_numpy(advantages), as_numpy(before), as_numpy(after)
    mask = as_numpy(mask).astype(bool)
    ratio = np.exp(after - before)
    batch, time = advantages.shape
    fig, ax = plt.subplots(figsize=(1.3 * time + 1.0, 0.95 * batch + 0.8), layout="constrained")
    bound = max(float(np.abs(advantages[mask]).max()), 1e-12)
    colours = plt.get_cmap("RdBu")(TwoSlopeNorm(0.0, -bound, bound)(advantages))
    for b in range(batch):
        for t in np.flatnonzero(mask[b]):
            clipped = clip is not None and _is_clipped(ratio[b, t], advantages[b, t], clip)
            frame = {"edgecolor": "black", "linewidth": 2.0} if clipped else {"edgecolor": "none"}
            ax.add_patch(plt.Rectangle((t, -b - 0.45), 0.95, 0.9, facecolor=colours[b, t], **frame))
            label = f"{tokens[b][t]}\n{before[b, t]:.2f} -> {after[b, t]:.2f}\nx{ratio[b, t]:.2f}"
            ax.text(t + 0.47, -b, label, ha="center", va="center", fontsize=7)
    ax.set(xlim=(0, time), ylim=(-batch + 0.4, 0.6), xlabel="token (word, log pi before -> after, ratio)")
    ax.set_yticks([-b for b in range(batch)], [f"response {b}" for b in range(batch)])
    ax.set_xticks([])
    note = f"; framed: ratio past 1 +- {clip:g} (PPO clips)" if clip is not None else ""
    ax.set_title(f"blue: A > 0, red: A < 0{note}", fontsize=9)
    return fig


def _is_clipped(ratio: float, advantage: float, clip: float) -> bool:
    """PPO's min() takes the clipped term, zero gradient, once the ratio is past the band on A's side."""
    return bool((advantage > 0 and ratio > 1 + clip) or (advantage < 0 and ratio < 1 - clip))
