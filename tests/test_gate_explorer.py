"""Chapter 04's gate explorer: the hand-gated unit equals a real LSTM step with constant gates,
and the widget's pure functions and plots behave."""

import ipywidgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import plotting, widgets
from course_utils.layers import lstm


def logit(p):
    return np.log(p / (1 - p))


def test_cell_trace_equals_an_lstm_unit_whose_gates_are_set_by_their_biases():
    """With zero weights into the gates, f, i, o are sigmoid(bias): constants we choose. The candidate
    reads x through W_xg = 1, so g_t = tanh(x_t)."""
    f, i, o = 0.9, 0.6, 0.75
    p = {f"W_x{k}": np.zeros((1, 1)) for k in "fio"} | {f"W_h{k}": np.zeros((1, 1)) for k in "figo"}
    p |= {"W_xg": np.ones((1, 1)), "b_g": np.zeros(1), "b_f": np.array([logit(f)]),
          "b_i": np.array([logit(i)]), "b_o": np.array([logit(o)])}
    x = np.random.default_rng(0).normal(size=(1, 12, 1))
    out, cache = lstm.lstm_forward(x, p)
    c, h = lstm.cell_trace(np.tanh(x[0, :, 0]), f, i, o)
    np.testing.assert_allclose(h, out[0, :, 0], atol=1e-12)
    np.testing.assert_allclose(c, cache.C[0, :, 0], atol=1e-12)


def test_cell_trace_special_gates():
    g = np.array([0.5, -0.25, 0.0, 1.0])
    c, h = lstm.cell_trace(g, 1.0, 1.0, 1.0)
    np.testing.assert_allclose(c, np.cumsum(g))  # keep everything, write everything: a running sum
    np.testing.assert_allclose(h, np.tanh(np.cumsum(g)))
    c, h = lstm.cell_trace(g, 0.0, 1.0, 0.0)
    np.testing.assert_allclose(c, g)  # forget everything: only the current write is left
    np.testing.assert_array_equal(h, 0.0)  # output gate shut: nothing shows
    c, _ = lstm.cell_trace(g, 0.5, [1, 0, 0, 0], 1.0, c0=2.0)
    np.testing.assert_allclose(c, [1.5, 0.75, 0.375, 0.1875])


def test_cell_trace_rejects_bad_gates():
    with pytest.raises(ValueError, match=r"gate f must lie in \[0, 1\]"):
        lstm.cell_trace(np.zeros(3), 1.5, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"i must be a number or have shape \(T=3,\), got \(2,\)"):
        lstm.cell_trace(np.zeros(3), 1.0, [1.0, 1.0], 1.0)
    with pytest.raises(ValueError, match=r"g must have shape \(T,\)"):
        lstm.cell_trace(np.zeros((2, 3)), 1.0, 1.0, 1.0)


def test_memory_steps_is_where_f_to_the_k_reaches_the_fraction():
    for f in (0.5, 0.9, 0.99):
        k = widgets.memory_steps(f)
        assert f**k == pytest.approx(0.1)
    assert widgets.memory_steps(1.0) == np.inf and widgets.memory_steps(0.0) == 0.0
    with pytest.raises(ValueError, match="f must lie in"):
        widgets.memory_steps(1.2)


def test_gate_response_with_event_only_writes_decays_geometrically_between_events():
    f = 0.9
    x, i_t, c, h = widgets.gate_response(f, 1.0, 1.0, write_events_only=True)
    (first, second), value = sorted(widgets.EVENTS), widgets.EVENTS[5]
    assert x[first] == value and np.count_nonzero(i_t) == 2
    np.testing.assert_array_equal(c[:first], 0.0)  # nothing was written before the first event
    k = np.arange(second - first)
    np.testing.assert_allclose(c[first:second], np.tanh(2 * value) * f**k)  # only forgetting in between
    _, i_all, c_noisy, _ = widgets.gate_response(f, 1.0, 1.0, write_events_only=False)
    assert np.all(i_all == 1.0) and not np.allclose(c_noisy[:first], 0.0)  # noise gets in
    with pytest.raises(ValueError, match="^n_steps must be an int >= 31, got 20$"):
        widgets.gate_signal(20)


def test_chapter_04_plots_and_the_explorer_build():
    x, i_t, c, h = widgets.gate_response(0.95, 1.0, 1.0)
    assert isinstance(plotting.plot_gate_response(x, i_t, c, h, title="t"), Figure)
    with pytest.raises(ValueError, match="same shape"):
        plotting.plot_gate_response(x, i_t[:-1], c, h)
    fig = plotting.plot_gradient_reach({"rnn": np.geomspace(1e-8, 1, 20), "lstm": np.ones(20)})
    assert isinstance(fig, Figure) and fig.axes[0].get_yscale() == "log"
    fig = plotting.plot_mse_vs_length([10, 20, 40], {"rnn": [0.01, 0.1, 0.17], "gru": [0.0, 0.0, 0.001]},
                                      baseline=1 / 6, solved=0.01)
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 4
    with pytest.raises(ValueError, match=r"scores\['rnn'\] must have shape \(L=3,\)"):
        plotting.plot_mse_vs_length([10, 20, 40], {"rnn": [0.1]}, baseline=0.17)
    assert isinstance(widgets.gate_explorer(), ipywidgets.VBox)
