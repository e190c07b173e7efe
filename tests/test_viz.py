"""The plots and widgets draw exactly the data they are given: bar heights, line data, colours, labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from a2c_lessons import curves, truth_viz, viz, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bar_heights(ax, container: int = 0) -> np.ndarray:
    return np.array([patch.get_height() for patch in ax.containers[container]])


def bar_colors(ax, container: int = 0) -> list[tuple]:
    return [patch.get_facecolor() for patch in ax.containers[container]]


def tick_labels(ax) -> list[str]:
    return [label.get_text() for label in ax.get_xticklabels()]


# ---------------------------------------------------------------- labels


def test_vocab_labels_are_the_tokens_in_id_order(tiny_policy):
    labels = viz.vocab_labels(tiny_policy.tokenizer)
    assert len(labels) == len(tiny_policy.tokenizer)
    assert labels[tiny_policy.tokenizer.convert_tokens_to_ids("great")] == "great"


# ---------------------------------------------------------------- static plots


def test_next_token_distribution_bars_are_the_top_probabilities_in_order():
    labels = ["a", "b", "great", "awful", "e"]
    probs = torch.tensor([[0.1, 0.4, 0.3, 0.15, 0.05], [0.5, 0.1, 0.1, 0.2, 0.1]])
    fig = viz.plot_next_token_distribution(probs, labels, titles=["x", "y"], top=3, colors=viz.sentiment_colors())
    first, second = fig.axes
    np.testing.assert_allclose(bar_heights(first), [0.4, 0.3, 0.15])
    assert tick_labels(first) == ["b", "great", "awful"]
    assert bar_colors(first) == [to_rgba(viz.AFTER_COLOR), to_rgba(viz.POSITIVE_COLOR), to_rgba(viz.NEGATIVE_COLOR)]
    np.testing.assert_allclose(bar_heights(second), [0.5, 0.2, 0.1])
    assert second.get_title() == "y"
    legend = [t.get_text() for t in first.get_legend().get_texts()]
    assert legend == ["other token", "positive adjective", "negative adjective"]  # one entry per colour drawn
    assert first.get_ylim() != second.get_ylim()  # each panel on its own scale by default


def test_next_token_distribution_can_share_one_probability_scale():
    probs = torch.tensor([[0.9, 0.05, 0.05], [0.4, 0.3, 0.3]])
    fig = viz.plot_next_token_distribution(probs, ["a", "b", "c"], sharey=True)
    first, second = fig.axes
    assert first.get_ylim() == second.get_ylim() == pytest.approx((0.0, 1.05 * 0.9))


def test_token_contributions_are_logprob_times_advantage_coloured_by_the_sign_of_a():
    logprobs = torch.tensor([[-1.0, -2.0, -0.5], [-3.0, -1.2, 0.0]])
    advantages = torch.tensor([[0.5, 0.5, 0.5], [-1.0, 0.0, 9.0]])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    fig = viz.plot_token_contributions([["the", "food", "."], ["bad", ".", "<pad>"]], logprobs, advantages, mask)
    first, second = fig.axes
    np.testing.assert_allclose(bar_heights(first), [-0.5, -1.0, -0.25])
    assert bar_colors(first) == [to_rgba(viz.POSITIVE_COLOR)] * 3
    np.testing.assert_allclose(bar_heights(second), [3.0, 0.0])  # the pad token is not drawn
    assert bar_colors(second) == [to_rgba(viz.NEGATIVE_COLOR), to_rgba(viz.NEUTRAL_COLOR)]
    assert tick_labels(second) == ["bad", "."]
    assert "U = -1.75" in first.get_title()


def test_logprob_change_dots_sit_at_advantage_and_change_coloured_by_sign():
    advantages, change = torch.tensor([0.5, -0.5, 0.0]), torch.tensor([0.2, -0.3, 0.01])
    fig = truth_viz.plot_logprob_change(advantages, change)
    dots = fig.axes[0].collections[0]
    np.testing.assert_allclose(dots.get_offsets(), np.stack([advantages.numpy(), change.numpy()], axis=1), rtol=1e-6)
    expected = [to_rgba(c) for c in (viz.POSITIVE_COLOR, viz.NEGATIVE_COLOR, viz.NEUTRAL_COLOR)]
    assert [tuple(c) for c in dots.get_facecolors()] == expected


def test_logprob_change_draws_group_means_and_clips_outliers_to_the_edge_with_their_value():
    advantages = torch.tensor([0.5, 0.5, -0.5, -1.5])
    change = torch.tensor([0.2, 0.4, -0.1, -5.8])
    fig = truth_viz.plot_logprob_change(advantages, change, clip=1.0)
    ax = fig.axes[0]
    means = sorted(float(c.get_segments()[0][0][1]) for c in ax.collections if c.get_label().startswith("mean"))
    assert means == pytest.approx([(-0.1 - 5.8) / 2, 0.3])  # the means use every point, the clipped one too
    assert ax.get_ylim() == pytest.approx((-1.15, 1.15))
    assert [t.get_text() for t in ax.texts] == ["-5.8"]
    edge = [c for c in ax.collections if len(c.get_offsets()) == 1 and not c.get_label().startswith("mean")]
    np.testing.assert_allclose(edge[0].get_offsets(), [[-1.5, -1.0]])
    assert ax.get_ylabel().endswith("(nats)")


def test_distribution_shifts_draw_before_and_after_and_add_the_chosen_token():
    labels = ["a", "b", "c", "d"]
    before = torch.tensor([0.5, 0.3, 0.15, 0.05])
    afters = {"analytic": torch.tensor([0.4, 0.2, 0.1, 0.3]), "model": [0.45, 0.25, 0.1, 0.2]}
    fig = viz.plot_distribution_shifts(labels, before, afters, chosen=3, top=2)
    assert [ax.get_title() for ax in fig.axes] == ["analytic", "model"]
    for ax, after in zip(fig.axes, afters.values()):
        assert tick_labels(ax) == ["a", "b", "d"]
        np.testing.assert_allclose(bar_heights(ax, 0), [0.5, 0.3, 0.05])
        np.testing.assert_allclose(bar_heights(ax, 1), np.asarray(after, dtype=float)[[0, 1, 3]], rtol=1e-6)
        assert [t.get_fontweight() for t in ax.get_xticklabels()] == ["normal", "normal", "bold"]


def test_distribution_shifts_redraw_on_a_given_figure():
    fig = viz.plot_distribution_shifts(["a", "b"], [0.5, 0.5], {"one": [0.9, 0.1]}, chosen=0)
    same = viz.plot_distribution_shifts(["a", "b"], [0.5, 0.5], {"two": [0.2, 0.8]}, chosen=0, fig=fig)
    assert same is fig and len(fig.axes) == 1
    np.testing.assert_allclose(bar_heights(fig.axes[0], 1), [0.2, 0.8])


def test_advantage_estimates_draw_every_series_as_side_by_side_bars_in_two_panels():
    inputs = {"r_t": [0.0, 0.0, 1.0], "V": torch.tensor([0.5, 1.0, 1.0])}
    estimates = {"G - V": [0.5, 0.0, 0.0], "TD": [0.0, 0.5, 0.0], "GAE": [0.4, 0.5, 0.0]}
    fig = truth_viz.plot_advantage_estimates(["is", "great", "."], inputs, estimates, title="t")
    top, bottom = fig.axes
    for ax, series in [(top, inputs), (bottom, estimates)]:
        assert [c.get_label() for c in ax.containers] == list(series)
        for i, values in enumerate(series.values()):
            np.testing.assert_allclose(bar_heights(ax, i), np.asarray(values, dtype=float))
        lefts = np.array([[p.get_x() for p in c.patches] for c in ax.containers])  # (series, tokens)
        assert (np.diff(lefts, axis=0) > 0).all(), "the bars of one token must sit side by side, not on each other"
        assert tick_labels(ax) == ["is", "great", "."]
        assert ax.get_legend() is not None and ax.get_ylabel()
    assert top.get_title() == "t"


def test_mc_against_gae_draws_one_scatter_per_lambda_and_the_table():
    truth = torch.tensor([0.1, -0.2, 0.3])
    estimates = {0.0: [0.0, -0.1, 0.2], 1.0: [0.3, -0.4, 0.1]}
    table = {0.0: {"bias": 0.2, "variance": 0.01}, 1.0: {"bias": 0.0, "variance": 0.09}}
    fig = truth_viz.plot_mc_against_gae(truth, estimates, table)
    left, right = fig.axes
    np.testing.assert_allclose(left.collections[1].get_offsets(), np.stack([truth.numpy(), [0.3, -0.4, 0.1]], 1))
    bias, spread = right.lines
    np.testing.assert_allclose(bias.get_ydata(), [0.2, 0.0])
    np.testing.assert_allclose(spread.get_ydata(), [0.1, 0.3])
    assert left.get_xlabel() and left.get_ylabel() and right.get_legend() is not None


def test_kl_gradient_cosines_draw_one_bar_per_estimator_and_direction():
    table = {"k1 in the reward": {"fwd": 1.0, "rev": 0.5}, "k3 in the loss": {"fwd": 0.4, "rev": 0.99}}
    fig = truth_viz.plot_kl_gradient_cosines(table)
    ax = fig.axes[0]
    np.testing.assert_allclose(bar_heights(ax, 0), [1.0, 0.4])
    np.testing.assert_allclose(bar_heights(ax, 1), [0.5, 0.99])
    assert tick_labels(ax) == list(table) and ax.get_ylabel() == "cosine similarity"


def test_group_advantages_bars_show_rewards_then_each_method():
    scores = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, -1.0])
    rloo = torch.tensor([1.0, -0.5, -0.5, 1.0, 1.0, -2.0])
    fig = viz.plot_group_advantages(scores, {"RLOO": rloo, "GRPO": rloo / 2}, group_size=3)
    ax = fig.axes[0]
    np.testing.assert_allclose(bar_heights(ax, 0), scores.numpy())
    np.testing.assert_allclose(bar_heights(ax, 1), rloo.numpy())
    np.testing.assert_allclose(bar_heights(ax, 2), rloo.numpy() / 2)
    separators = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in separators] == [2.5]


def test_update_diagram_shows_the_five_steps_in_order():
    fig = viz.plot_update_diagram()
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_text()]
    steps = [t for t in texts if t[:2] in {"1.", "2.", "3.", "4.", "5."}]
    assert [s[:2] for s in steps] == ["1.", "2.", "3.", "4.", "5."]
    assert "actor" in steps[0] and "critic" in steps[2] and "-E[U]" in steps[4]
    arrows = [t for t in fig.axes[0].texts if not t.get_text()]
    assert len(arrows) == 5  # four between the steps, one back to the start


def test_clip_objective_draws_both_objectives_per_advantage():
    ratios = torch.linspace(0.5, 1.5, 11)
    a2c = {1.0: ratios * 1.0, -1.0: ratios * -1.0}
    ppo = {a: torch.minimum(ratios * a, ratios.clamp(0.8, 1.2) * a) for a in a2c}
    fig = viz.plot_clip_objective(ratios, a2c, ppo, clip=0.2)
    for ax, a in zip(fig.axes, (1.0, -1.0)):
        assert ax.get_title() == f"A = {a:+g}"
        np.testing.assert_allclose(ax.lines[0].get_xdata(), ratios.numpy())
        np.testing.assert_allclose(ax.lines[0].get_ydata(), a2c[a].numpy(), rtol=1e-6)
        np.testing.assert_allclose(ax.lines[1].get_ydata(), ppo[a].numpy(), rtol=1e-6)


def fake_metrics(n: int, scale: float = 1.0) -> list[dict[str, float]]:
    return [{"step": s + 1, "reward": scale * s, "kl": scale * s * s, "entropy": 2.0 - s / n} for s in range(n)]


def test_runs_draw_one_panel_per_metric_and_one_line_per_run():
    runs = {"good": fake_metrics(4), "bad": fake_metrics(3, scale=-1.0)}
    fig = curves.plot_runs(runs, ["reward", "kl"], log_keys=["kl"])
    reward_ax, kl_ax = (ax for ax in fig.axes if ax.get_visible())
    assert reward_ax.get_title() == "reward" and kl_ax.get_yscale() == "symlog"
    assert [line.get_label() for line in reward_ax.lines] == ["good", "bad"]
    np.testing.assert_allclose(reward_ax.lines[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(reward_ax.lines[1].get_ydata(), [0.0, -1.0, -2.0])
    np.testing.assert_allclose(kl_ax.lines[0].get_ydata(), [0.0, 1.0, 4.0, 9.0])


def test_runs_label_each_y_axis_with_its_unit_and_draw_shares_from_zero_to_one():
    runs = {"run": [{"step": s, "positive": 0.5 + 0.1 * s, "grammatical": 0.97, "kl": 10.0**s} for s in range(4)]}
    fig = curves.plot_runs(runs, ["positive", "grammatical", "kl"], log_keys=["kl"], ylabels={"positive": "share"})
    positive_ax, grammatical_ax, kl_ax = (ax for ax in fig.axes if ax.get_visible())
    assert positive_ax.get_ylabel() == "share"  # an override wins over the table
    assert grammatical_ax.get_ylabel() == curves.METRIC_LABELS["grammatical"]
    assert "nats per review" in kl_ax.get_ylabel()
    low, high = grammatical_ax.get_ylim()
    assert low <= 0 and high >= 1, "a share near 1 is drawn on the whole range [0, 1], not zoomed onto its dips"


def test_symlog_ticks_read_as_plain_numbers():
    assert [curves.plain_number(v) for v in (-1.0, 0.0, 1.0, 100.0, 1000.0, 0.5)] == [
        "-1",
        "0",
        "1",
        "100",
        "1,000",
        "0.5",
    ]
    rows = [{"step": s, "kl": 10.0**s} for s in range(4)]
    fig = curves.plot_runs({"run": rows}, ["kl"], log_keys=["kl"])
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [tick.get_text() for tick in ax.get_yticklabels() if tick.get_text()]
    assert labels and not any("10^" in label or "$" in label for label in labels), labels


def test_overoptimisation_plots_against_step_and_marks_the_order_on_the_kl_panel():
    gold_and_sqrt_kl = [(0.2, 0.0), (0.5, 1.0), (0.1, 2.0), (0.0, 1.5)]
    rows = [{"step": 10 * i, "proxy": 0.1 * i, "gold": g, "sqrt_kl": k} for i, (g, k) in enumerate(gold_and_sqrt_kl)]
    fig = curves.plot_overoptimisation({"run": rows})
    proxy_ax, gold_ax, kl_ax = fig.axes[:3]
    np.testing.assert_allclose(proxy_ax.lines[0].get_xdata(), [0, 10, 20, 30])  # joined in step order
    np.testing.assert_allclose(gold_ax.lines[0].get_ydata(), [0.2, 0.5, 0.1, 0.0])
    assert not kl_ax.lines, "against sqrt(KL), which goes back and forth, the points are not joined"
    np.testing.assert_allclose(kl_ax.collections[0].get_offsets(), [[0.0, 0.2], [1.0, 0.5], [2.0, 0.1], [1.5, 0.0]])
    alphas = kl_ax.collections[0].get_alpha()
    assert alphas[0] < alphas[-1], "the step order is shown: early points lighter than late ones"
    assert [t.get_text() for t in kl_ax.texts] == ["step 0", "step 30"]
    assert all(ax.get_ylabel() for ax in (proxy_ax, gold_ax, kl_ax))


def test_runs_use_another_metric_as_x():
    rows = [{"epoch": e, "kl": 0.1 * e} for e in range(3)]
    fig = curves.plot_runs({"ppo": rows}, ["kl"], x="epoch")
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xdata(), [0, 1, 2])
    assert fig.axes[0].get_xlabel() == "epoch"


def test_word_mass_draws_one_line_per_word_set_in_its_colour():
    positive = torch.tensor([[0.2, 0.1], [0.5, 0.05], [0.8, 0.02]])
    negative = torch.tensor([[0.2, 0.3], [0.1, 0.5], [0.05, 0.7]])
    colors = {"positive": viz.POSITIVE_COLOR, "negative": viz.NEGATIVE_COLOR}
    fig = curves.plot_word_mass(
        [0, 10, 20],
        {"positive": positive, "negative": negative},
        ["the food was very", "the food was not"],
        colors=colors,
    )
    for p, ax in enumerate(fig.axes[:2]):
        pos_line, neg_line = ax.lines
        assert (pos_line.get_label(), neg_line.get_label()) == ("positive", "negative")
        np.testing.assert_allclose(pos_line.get_xdata(), [0, 10, 20])
        np.testing.assert_allclose(pos_line.get_ydata(), positive[:, p].numpy())
        np.testing.assert_allclose(neg_line.get_ydata(), negative[:, p].numpy())
        assert to_rgba(pos_line.get_color()) == to_rgba(viz.POSITIVE_COLOR)
        assert to_rgba(neg_line.get_color()) == to_rgba(viz.NEGATIVE_COLOR)
    assert fig.axes[1].get_title() == '"the food was not ..."'


# ---------------------------------------------------------------- widgets


def test_explorer_redraws_with_the_slider_values():
    labels, before = ["a", "b", "c"], torch.tensor([0.5, 0.3, 0.2])
    calls = []

    def update(advantage, lr):
        calls.append((advantage, lr))
        return torch.tensor([0.5, 0.3 + 0.1 * advantage * lr, 0.2 - 0.1 * advantage * lr])

    box = widgets.distribution_shift_explorer(labels, before, update, chosen=1, title="toy", advantage=1.0, lr=1.0)
    assert calls == [(1.0, 1.0)]
    np.testing.assert_allclose(bar_heights(box.figure.axes[0], 1), [0.5, 0.4, 0.1], rtol=1e-6)
    box.sliders["advantage"].value = -1.0
    box.sliders["lr"].value = 2.0
    assert calls[-1] == (-1.0, 2.0)
    ax = box.figure.axes[0]
    np.testing.assert_allclose(bar_heights(ax, 0), [0.5, 0.3, 0.2])
    np.testing.assert_allclose(bar_heights(ax, 1), [0.5, 0.1, 0.4], rtol=1e-6)
    assert "A = -1.00" in ax.get_title() and "lr = 2" in ax.get_title()
    assert plt.get_fignums() == []  # not registered with pyplot: inline shows it once, in the widget


class FakeTrainer:
    def __init__(self):
        self.metrics = []


def test_live_plot_redraws_every_few_steps_with_all_metrics_so_far():
    live = widgets.LivePlot(["reward", "entropy"], every=2)
    trainer = FakeTrainer()
    for row in fake_metrics(5):
        trainer.metrics.append(row)
        live(trainer, row)
    assert live.draws == 2  # steps 2 and 4
    reward_ax = live.figure.axes[0]
    np.testing.assert_allclose(reward_ax.lines[0].get_ydata(), [0.0, 1.0, 2.0, 3.0])
    fig = live.finish(trainer)
    assert fig is live.figure and live.draws == 3
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [0.0, 1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [r["entropy"] for r in trainer.metrics])
    assert plt.get_fignums() == []


def test_live_plot_rejects_a_zero_interval():
    with pytest.raises(ValueError, match="every"):
        widgets.LivePlot(["reward"], every=0)
