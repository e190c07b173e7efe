"""The plots of one update: each takes the tensors the library makes and returns a Figure.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step;
`viz` draws what any of these produce, and never changes it:

    next-token distribution pi(. | x)      -> plot_next_token_distribution, plot_distribution_shifts
    token terms log pi(y_t) * A_t of U     -> plot_token_contributions
    rewards and critic-free advantages     -> plot_group_advantages
    the update itself                      -> plot_update_diagram, plot_clip_objective

The data behind the distribution plots comes from `logpi.next_token_probs`; the
plots of training over many steps live in `curves`, the interactive ones in `widgets`, the ones
that hold an estimate against what it estimates in `truth_viz`.
Every function accepts tensors or plain sequences, draws on new axes (or on the
`ax` / `fig` it is given) and returns the Figure, so a test can read back the data it drew.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from a2c_lessons.corpus import NEGATIVE, POSITIVE

POSITIVE_COLOR, NEGATIVE_COLOR, NEUTRAL_COLOR = "tab:green", "tab:red", "tab:gray"
BEFORE_COLOR, AFTER_COLOR = "silver", "tab:blue"


def as_numpy(x) -> np.ndarray:
    """A float numpy array from a tensor (any device, with or without grad) or a sequence."""
    if isinstance(x, torch.Tensor):
        return x.detach().float().cpu().numpy()
    return np.asarray(x, dtype=float)


def _new_axes(ax, figsize: tuple[float, float]):
    if ax is not None:
        return ax.figure, ax
    return plt.subplots(figsize=figsize, layout="constrained")


def panel_grid(n: int, ncols: int, fig: Figure | None, panel_size: tuple[float, float]) -> tuple[Figure, list]:
    """n panels in rows of ncols, on a new pyplot figure or on `fig` (cleared), as a flat list."""
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    if fig is None:
        figsize = (panel_size[0] * ncols, panel_size[1] * nrows)
        fig = plt.figure(figsize=figsize, layout="constrained")
    else:
        fig.clear()
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, list(axes[:n])


# ---------------------------------------------------------------- labels and colours


def vocab_labels(tokenizer) -> list[str]:
    """The token string of every id, in id order: the labels of a (V,) distribution."""
    return tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))


def sentiment_colors() -> dict[str, str]:
    """Green for the grammar's positive adjectives, red for its negative ones."""
    return {**{w: POSITIVE_COLOR for w in POSITIVE}, **{w: NEGATIVE_COLOR for w in NEGATIVE}}


COLOUR_NAMES = {POSITIVE_COLOR: "positive adjective", NEGATIVE_COLOR: "negative adjective", AFTER_COLOR: "other token"}


def _colour_legend(colors_drawn: Sequence[str]) -> list[Patch]:
    """One legend patch per bar colour drawn, named by what it marks."""
    return [Patch(color=c, label=COLOUR_NAMES.get(c, c)) for c in dict.fromkeys(colors_drawn)]


# ---------------------------------------------------------------- lesson 1: pi(. | x)


def plot_next_token_distribution(
    probs,
    labels: Sequence[str],
    *,
    titles: Sequence[str] | None = None,
    top: int = 15,
    colors: Mapping[str, str] | None = None,
    sharey: bool = False,
) -> Figure:
    """Bars of the `top` most likely next tokens, one panel per row of probs.

    Args:
        probs: (V,) or (B, V) float, next-token probabilities.
        labels: the V token strings.
        titles: B panel titles (e.g. the prompts).
        colors: token -> bar colour (e.g. `sentiment_colors()`); others are blue.
        sharey: one probability scale for all panels, so that their heights compare (e.g. temperatures).
    """
    probs = np.atleast_2d(as_numpy(probs))  # (B, V)
    fig, axes = panel_grid(len(probs), 3, None, (4.5, 3.2))
    for b, ax in enumerate(axes):
        order = np.argsort(-probs[b], kind="stable")[:top]
        names = [labels[i] for i in order]
        bar_colors = [(colors or {}).get(name, AFTER_COLOR) for name in names]
        ax.bar(range(len(order)), probs[b, order], color=bar_colors)
        ax.set_xticks(range(len(order)), names, rotation=60, ha="right")
        ax.set_ylabel("pi(next token | x)")
        if titles is not None:
            ax.set_title(titles[b])
        if colors:
            ax.legend(handles=_colour_legend(bar_colors), loc="upper right", fontsize="small")
    if sharey:
        for ax in axes:
            ax.set_ylim(0, 1.05 * float(probs.max()))
    return fig


# ---------------------------------------------------------------- lesson 2: the terms of U


def plot_token_contributions(tokens: Sequence[Sequence[str]], logprobs, advantages, mask) -> Figure:
    """Each token's term log pi(y_t) * A_t of U, one panel per response, coloured by the sign of A_t.

    Args:
        tokens: B lists of token strings (at least the real tokens of each row).
        logprobs, advantages: (B, T) float; mask: (B, T) bool, True on real tokens.
    """
    logprobs, advantages, mask = as_numpy(logprobs), as_numpy(advantages), as_numpy(mask).astype(bool)
    fig, axes = panel_grid(len(logprobs), 1, None, (9, 2.6))
    for b, ax in enumerate(axes):
        length = int(mask[b].sum())
        terms = logprobs[b, :length] * advantages[b, :length]
        signs = np.sign(advantages[b, :length])
        colors = [POSITIVE_COLOR if s > 0 else NEGATIVE_COLOR if s < 0 else NEUTRAL_COLOR for s in signs]
        ax.bar(range(length), terms, color=colors)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(range(length), list(tokens[b][:length]), rotation=30, ha="right")
        ax.set_ylabel("log pi * A")
        ax.set_title(f"U = {terms.sum():.2f}   (green: A > 0, red: A < 0)")
    return fig


# ---------------------------------------------------------------- lesson 3: one update, and advantages


def _shown_tokens(before: np.ndarray, chosen: int, top: int) -> np.ndarray:
    order = np.argsort(-before, kind="stable")[:top]
    return order if chosen in order else np.append(order, chosen)


def plot_distribution_shifts(
    labels: Sequence[str],
    before,
    afters: Mapping[str, object],
    *,
    chosen: int,
    top: int = 12,
    fig: Figure | None = None,
) -> Figure:
    """pi(. | x) before and after one update, one panel per update rule; the updated token in bold.

    Args:
        labels: the V token strings.
        before: (V,) float, the distribution before the update.
        afters: panel title -> (V,) float distribution after the update.
        chosen: the id of the token the update was about (its advantage A).
        top: how many of the most likely tokens (before) to show; `chosen` is added.
        fig: draw on this figure (cleared) instead of a new one.
    """
    before = as_numpy(before)
    shown = _shown_tokens(before, chosen, top)
    x = np.arange(len(shown))
    fig, axes = panel_grid(len(afters), 2, fig, (6.5, 3.4))
    for ax, (title, after) in zip(axes, afters.items()):
        after = as_numpy(after)
        ax.bar(x - 0.2, before[shown], width=0.4, color=BEFORE_COLOR, label="before")
        ax.bar(x + 0.2, after[shown], width=0.4, color=AFTER_COLOR, label="after")
        ax.set_xticks(x, [labels[i] for i in shown], rotation=60, ha="right")
        ax.get_xticklabels()[int(np.flatnonzero(shown == chosen)[0])].set_fontweight("bold")
        ax.set_ylabel("pi(next token | x)")
        ax.set_title(title)
        ax.legend(loc="upper right")
    return fig


def plot_group_advantages(scores, advantages: Mapping[str, object], *, group_size: int, ax=None) -> Figure:
    """Critic-free advantages: each response's reward and its advantage under each baseline.

    Args:
        scores: (B,) float rewards; consecutive groups of `group_size` share a prompt.
        advantages: method name -> (B,) float advantages.
    """
    scores = as_numpy(scores)
    fig, ax = _new_axes(ax, (10, 3.5))
    n_bars = len(advantages) + 1
    width, x = 0.8 / n_bars, np.arange(len(scores))
    offsets = (np.arange(n_bars) - (n_bars - 1) / 2) * width  # the bars of one response, centred on it
    ax.bar(x + offsets[0], scores, width=width, color=BEFORE_COLOR, label="reward r")
    for offset, (name, values) in zip(offsets[1:], advantages.items()):
        ax.bar(x + offset, as_numpy(values), width=width, label=name)
    for boundary in range(group_size, len(scores), group_size):
        ax.axvline(boundary - 0.5, color="black", lw=0.8, ls="--")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel(f"response (groups of {group_size} share a prompt)")
    ax.legend(loc="best", fontsize="small")
    return fig


# ---------------------------------------------------------------- lesson 5: the update


UPDATE_STEPS = (
    "1. sample\ny ~ pi_theta(. | x)\n(actor)",
    "2. score\nr(x, y)\n(reward model)",
    "3. values\nV(x, y_<t)\n(critic)",
    "4. advantages\nA_t = GAE(r - beta KL, V)",
    "5. loss and step\n-E[U] + c_V L_V - c_H H",
)


def plot_update_diagram(ax=None) -> Figure:
    """The five steps of one A2C update as boxes joined by arrows, the last looping back to the first."""
    fig, ax = _new_axes(ax, (12, 2.6))
    ax.set_axis_off()
    ax.set(xlim=(-0.5, len(UPDATE_STEPS) - 0.5), ylim=(-1.2, 0.7))
    for i, text in enumerate(UPDATE_STEPS):
        ax.text(
            i,
            0.1,
            text,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round", "facecolor": "whitesmoke", "edgecolor": "gray"},
        )
        if i:
            ax.annotate("", xy=(i - 0.38, 0.1), xytext=(i - 0.62, 0.1), arrowprops={"arrowstyle": "->"})
    ax.annotate(
        "",
        xy=(0, -0.3),
        xytext=(len(UPDATE_STEPS) - 1, -0.3),
        arrowprops={"arrowstyle": "->", "connectionstyle": "arc3,rad=-0.12"},
    )
    ax.text((len(UPDATE_STEPS) - 1) / 2, -0.95, "new weights: sample the next batch", ha="center", fontsize=9)
    return fig


def plot_clip_objective(ratios, a2c: Mapping[float, object], ppo: Mapping[float, object], *, clip: float) -> Figure:
    """One token's objective as a function of rho = pi_new / pi_old, A2C's against PPO's clipped one.

    Args:
        ratios: (N,) float values of rho.
        a2c, ppo: advantage A -> (N,) float objective at each rho (one panel per A).
        clip: PPO's epsilon; the band [1 - clip, 1 + clip] is shaded.
    """
    ratios = as_numpy(ratios)
    fig, axes = panel_grid(len(a2c), 2, None, (5, 3.2))
    for ax, advantage in zip(axes, a2c):
        ax.axvspan(1 - clip, 1 + clip, color="whitesmoke")
        ax.plot(ratios, as_numpy(a2c[advantage]), color=NEUTRAL_COLOR, ls="--", label="rho * A (no clip)")
        ax.plot(ratios, as_numpy(ppo[advantage]), color=AFTER_COLOR, label="PPO: min(rho A, clip(rho) A)")
        ax.axvline(1, color="black", lw=0.8)
        ax.set(xlabel="rho = pi_new / pi_old", ylabel="objective", title=f"A = {advantage:+g}")
        ax.legend(loc="best", fontsize="small")
    return fig
