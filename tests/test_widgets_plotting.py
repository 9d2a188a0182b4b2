"""The pure functions behind the widgets, and the plot helpers' contract."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_utils import plotting, widgets


def test_neuron_response_is_the_scalar_recurrence():
    x = widgets.input_signal("sine", 30, start=3)
    w_x, w_h, b = 0.7, -0.9, 0.1
    h, expected = widgets.neuron_response(w_x, w_h, b, x), []
    state = 0.0
    for x_t in x:
        state = np.tanh(w_x * x_t + w_h * state + b)
        expected.append(state)
    np.testing.assert_allclose(h, expected, atol=1e-14)


@pytest.mark.parametrize("w_h", [0.3, 0.5, 0.8, 0.9, 0.95])
def test_pulse_memory_matches_geometric_decay(w_h):
    """With relu and positive weights the pulse's trace is w_h**k: above 10% for floor(log .1 / log w_h) steps."""
    expected = int(np.floor(np.log(0.1) / np.log(w_h) + 1e-12))
    assert widgets.pulse_memory(1.0, w_h, 0.0, activation="relu") == expected


def test_pulse_memory_edge_cases():
    assert widgets.pulse_memory(1.0, 1.0, 0.0, activation="relu") is None  # never forgets
    assert widgets.pulse_memory(0.0, 0.9, 0.0) is None  # the pulse never gets in
    assert widgets.pulse_memory(1.0, 0.9, 0.0) > widgets.pulse_memory(1.0, 0.5, 0.0)


def test_input_signal_shapes_and_errors():
    for kind in widgets.SIGNALS:
        x = widgets.input_signal(kind, 20, start=4, amplitude=2.0)
        assert x.shape == (20,) and np.all(x[:4] == 0)
    assert widgets.input_signal("pulse", 10, start=2).sum() == 1.0
    with pytest.raises(ValueError, match="kind must be one of"):
        widgets.input_signal("square", 10)
    with pytest.raises(ValueError, match=r"start must be in \[0, n_steps=10\), got 10"):
        widgets.input_signal("pulse", 10, start=10)
    with pytest.raises(ValueError, match=r"x must be a 1-D input of shape \(T,\), got \(2, 3\)"):
        widgets.neuron_response(1, 1, 0, np.zeros((2, 3)))


def test_explorer_builds():
    box = widgets.neuron_explorer(n_steps=20)
    assert len(box.children) == 2


class FakeHistory:
    train_loss = [0.1, 0.05, 0.02]
    valid_loss = [0.12, 0.06, 0.03]


def test_plot_helpers_return_figures_and_leave_rcparams_alone():
    before = dict(matplotlib.rcParams)
    figs = [
        plotting.plot_forecast(np.sin(np.arange(20)), [0.1, 0.2], [0.15, 0.1]),
        plotting.plot_learning_curves(FakeHistory(), published=0.02),
        plotting.plot_mse_comparison(["a", "b"], [0.01, 0.02], [0.02, 0.03]),
        plotting.plot_neuron_response(np.zeros(5), np.ones(5), memory=3),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    assert dict(matplotlib.rcParams) == before
    fig = Figure()
    ax = fig.add_subplot()
    assert plotting.plot_forecast(np.zeros(5), ax=ax) is fig  # draws on the given axes
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_mse_comparison(["a"], [1, 2], [1])
