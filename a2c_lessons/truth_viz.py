"""The plots that hold an estimate against what it estimates, each series visible and labelled.

Place in the data flow: prompts -> sample -> Rollout -> score -> values -> gae -> a2c_loss -> step; these draw
what `advantages`, `montecarlo` and `kl_gradients` compute, and never change it:

    log pi(y | x) moved by one update, per response  -> plot_logprob_change (lesson 2)
    r_t, V, G_t and three advantages along a review -> plot_advantage_estimates (lesson 3)
    Monte Carlo A^pi against GAE(lambda)            -> plot_mc_against_gae (lesson 3)
    the KL estimators' gradients against the exact  -> plot_kl_gradient_cosines (lesson 5)

Every function accepts tensors or plain sequences, draws on new axes and returns the Figure, so a test can read
back the data it drew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from a2c_lessons.viz import NEGATIVE_COLOR, NEUTRAL_COLOR, POSITIVE_COLOR, _new_axes, as_numpy, panel_grid


def plot_logprob_change(advantages, change, *, clip: float = 1.0, ax=None) -> Figure:
    """One dot per response: its advantage against the change of log pi(y | x) after an update, with each sign
    group's mean as a line; changes beyond +-clip are drawn at the edge as triangles, their values written there.

    Args:
        advantages: (B,) float, the advantage of each response.
        change: (B,) float, log pi_new(y | x) - log pi_old(y | x), in nats.
        clip: half-height of the y axis, in nats.
    """
    advantages, change = as_numpy(advantages), as_numpy(change)
    fig, ax = _new_axes(ax, (6.5, 4.0))
    colors = [POSITIVE_COLOR if a > 0 else NEGATIVE_COLOR if a < 0 else NEUTRAL_COLOR for a in advantages]
    shown = np.clip(change, -clip, clip)
    inside = np.abs(change) <= clip
    ax.scatter(advantages[inside], shown[inside], c=[c for c, i in zip(colors, inside) if i], s=18)
    for a, value, color in zip(advantages[~inside], change[~inside], [c for c, i in zip(colors, inside) if not i]):
        ax.scatter([a], [np.sign(value) * clip], marker="v" if value < 0 else "^", c=[color], s=50)
        ax.annotate(f"{value:+.1f}", (a, np.sign(value) * clip), xytext=(6, 0), textcoords="offset points", va="center")
    for sign, color, name in [(1, POSITIVE_COLOR, "A > 0"), (-1, NEGATIVE_COLOR, "A < 0")]:
        group = np.sign(advantages) == sign
        if group.any():
            low, high = advantages[group].min(), advantages[group].max()
            mean = float(change[group].mean())
            ax.hlines(mean, low - 0.08, high + 0.08, colors=color, lw=2.5, label=f"mean of {name}: {mean:+.3f}")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_ylim(-1.15 * clip, 1.15 * clip)
    ax.set(xlabel="advantage A of the response", ylabel="change of log pi(y | x) (nats)")
    ax.legend(loc="upper left", fontsize="small", title=f"triangles: beyond +-{clip:g}, value written")
    return fig


def _grouped_bars(ax, tokens: Sequence[str], series: Mapping[str, object]) -> None:
    """Bars of each series side by side at every token, with a dot on each bar so a zero still shows."""
    width = 0.8 / len(series)
    x = np.arange(len(tokens))
    for i, (name, values) in enumerate(series.items()):
        values = as_numpy(values)
        offset = x + (i - (len(series) - 1) / 2) * width
        bars = ax.bar(offset, values, width=width, label=name)
        ax.plot(offset, values, ls="none", marker="o", ms=3.5, color=bars.patches[0].get_facecolor())
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, list(tokens), rotation=30, ha="right")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")


def plot_advantage_estimates(
    tokens: Sequence[str], inputs: Mapping[str, object], estimates: Mapping[str, object], *, title: str | None = None
) -> Figure:
    """Two panels along one response: what the estimators read (rewards, V, returns) and the advantages they
    give, each as bars side by side at every token, so no series hides another.

    Args:
        tokens: the T token strings of the response.
        inputs, estimates: name -> (T,) float values at each token.
    """
    fig, (top, bottom) = panel_grid(2, 1, None, (9, 2.9))
    _grouped_bars(top, tokens, inputs)
    top.set_ylabel("reward / value")
    _grouped_bars(bottom, tokens, estimates)
    bottom.set_ylabel("advantage A_t")
    if title:
        top.set_title(title)
    return fig


def plot_mc_against_gae(truth, estimates: Mapping[float, object], table: Mapping[float, Mapping[str, float]]) -> Figure:
    """Left: each token's GAE(lambda) advantage against its Monte Carlo A^pi, one colour per lambda, with the
    diagonal; right: the lambda-return's bias (root mean square over tokens) and standard deviation per lambda.

    Args:
        truth: (N,) float, A^pi of N tokens; estimates: lambda -> (N,) float, GAE(lambda) of the same tokens.
        table: lambda -> {"bias": float, "variance": float} (`montecarlo.lambda_return_error`).
    """
    truth = as_numpy(truth)
    fig, (left, right) = panel_grid(2, 2, None, (5.2, 4.0))
    for lam, values in estimates.items():
        left.scatter(truth, as_numpy(values), s=10, alpha=0.6, label=f"lambda = {lam:g}")
    edge = max(float(np.abs(truth).max()), *(float(np.abs(as_numpy(v)).max()) for v in estimates.values()))
    left.plot([-edge, edge], [-edge, edge], color="black", lw=0.8, label="estimate = truth")
    left.set(xlabel="Monte Carlo A^pi (reward units)", ylabel="GAE(lambda) from the critic (reward units)")
    left.legend(loc="upper left", fontsize="small")
    lams = list(table)
    right.plot(lams, [table[lam]["bias"] for lam in lams], marker="o", label="bias: RMS of E[G^lambda] - Q^pi")
    right.plot(lams, [table[lam]["variance"] ** 0.5 for lam in lams], marker="s", label="std of G^lambda")
    right.set(xlabel="lambda", ylabel="reward units", title="the lambda-return against Q^pi, per token")
    right.set_ylim(bottom=0)
    right.legend(loc="upper center", fontsize="small")
    return fig


def plot_kl_gradient_cosines(table: Mapping[str, Mapping[str, float]]) -> Figure:
    """Cosine similarity of each KL estimator's gradient with the exact gradient of each KL direction.

    Args:
        table: estimator -> direction -> cosine (`kl_gradients.cosine_table`).
    """
    estimators = list(table)
    directions = list(next(iter(table.values())))
    fig, ax = _new_axes(None, (7.5, 3.6))
    width, x = 0.8 / len(directions), np.arange(len(estimators))
    for i, direction in enumerate(directions):
        heights = [table[name][direction] for name in estimators]
        bars = ax.bar(x + (i - (len(directions) - 1) / 2) * width, heights, width=width, label=f"grad {direction}")
        ax.bar_label(bars, fmt="%.2f", fontsize="small")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, estimators)
    ax.set(ylabel="cosine similarity", ylim=(-1.1, 1.2))
    ax.legend(loc="lower left", fontsize="small", title="exact gradient of")
    return fig
