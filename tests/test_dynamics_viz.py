"""The learning-dynamics plots draw the numbers they are given: read back from the figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

from a2c_lessons import dynamics_viz  # noqa: E402


def test_predicted_vs_actual_puts_actual_on_x_and_predicted_on_y():
    fig = dynamics_viz.plot_predicted_vs_actual({"a": torch.tensor([1.0, 2.0])}, {"a": torch.tensor([3.0, 4.0])})
    points = next(c for c in fig.axes[0].collections if isinstance(c, PathCollection)).get_offsets()
    np.testing.assert_array_equal(np.asarray(points), [[3.0, 1.0], [4.0, 2.0]])


def test_heatmap_shows_the_values_and_writes_each_one():
    values = np.array([[0.5, -0.25], [0.0, 1.0]])
    fig = dynamics_viz.plot_movement_heatmap(values, ["x", "y"], ["u", "v"], title="t")
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), values)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == sorted(["+0.500", "-0.250", "+0.000", "+1.000"])


def test_token_batch_frames_exactly_the_tokens_past_the_band_on_their_advantages_side():
    advantages = torch.tensor([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
    before = torch.zeros(2, 3)
    # ratios: 1.5 (A > 0, past 1.2: clipped), 0.5 (A > 0, the other side), 1.1 / 0.5 (A < 0: 0.5 clipped)
    after = torch.log(torch.tensor([[1.5, 0.5, 1.1], [0.5, 1.5, 0.9]]))
    mask = torch.tensor([[True, True, True], [True, True, False]])
    tokens = [["a", "b", "c"], ["d", "e", "f"]]
    fig = dynamics_viz.plot_token_batch(tokens, advantages, before, after, mask, clip=0.2)
    framed = [p for p in fig.axes[0].patches if p.get_linewidth() == 2.0]
    assert len(fig.axes[0].patches) == 5 and len(framed) == 2
    assert {(p.get_x(), p.get_y()) for p in framed} == {(0.0, -0.45), (0.0, -1.45)}
    assert any("x1.50" in t.get_text() for t in fig.axes[0].texts)


def test_squeezing_draws_one_line_per_run_in_each_panel():
    curves = {"neg": {"entropy": [2.0, 1.0], "top": [0.3, 0.6]}, "pos": {"entropy": [2.0, 2.5], "top": [0.3, 0.2]}}
    fig = dynamics_viz.plot_squeezing(curves)
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    np.testing.assert_array_equal(fig.axes[1].lines[0].get_ydata(), [0.3, 0.6])
