"""Chapter 01's widget: one recurrent neuron (D = H = 1) driven by a simple signal.

Each widget is a thin ipywidgets front-end over a pure function, so its logic is tested without a browser:

- `input_signal`, `neuron_response`, `pulse_memory`: the neuron's response, and how many steps it
  remembers a pulse.
- `neuron_explorer()`: sliders for the neuron's weights and input; a live plot of its response.
"""

import numpy as np

from course_utils.layers import rnn

SIGNALS = ("pulse", "step", "sine", "noise")


def input_signal(kind, n_steps, *, start=5, amplitude=1.0, seed=0):
    """A 1-D input of length n_steps: a one-step pulse, a step, a sine or noise beginning at `start`."""
    if kind not in SIGNALS:
        raise ValueError(f"kind must be one of {SIGNALS}, got {kind!r}")
    if not 0 <= start < n_steps:
        raise ValueError(f"start must be in [0, n_steps={n_steps}), got {start}")
    t = np.arange(n_steps)
    x = np.zeros(n_steps)
    if kind == "pulse":
        x[start] = 1.0
    elif kind == "step":
        x[start:] = 1.0
    elif kind == "sine":
        x[start:] = np.sin(2 * np.pi * (t[start:] - start) / 12)
    else:
        x[start:] = np.random.default_rng(seed).normal(size=n_steps - start)
    return amplitude * x


def neuron_response(w_x, w_h, b, x, *, activation="tanh"):
    """States h_1..h_T of one recurrent neuron h_t = phi(w_x x_t + w_h h_{t-1} + b), h_0 = 0.

    x: (T,). Returns h: (T,). This is `rnn.rnn_forward` with D = H = 1.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D input of shape (T,), got {x.shape}")
    params = {"W_xh": np.array([[w_x]], float), "W_hh": np.array([[w_h]], float), "b_h": np.array([b], float)}
    H_all, _ = rnn.rnn_forward(x[None, :, None], params, activation=activation)  # (1, T, 1)
    return H_all[0, :, 0]


def pulse_memory(w_x, w_h, b, *, n_steps=200, start=5, amplitude=1.0, activation="tanh", threshold=0.1):
    """How many steps a neuron remembers a pulse.

    The pulse's trace is the difference between the response with and without the pulse. Memory is
    the number of steps after the pulse until that trace falls for good below `threshold` times its
    peak. Returns None if the trace is still above it at the end of the window (memory > window) or
    if the pulse leaves no trace at all (the neuron saturated or is dead).
    """
    pulse = input_signal("pulse", n_steps, start=start, amplitude=amplitude)
    trace = np.abs(
        neuron_response(w_x, w_h, b, pulse, activation=activation)
        - neuron_response(w_x, w_h, b, np.zeros(n_steps), activation=activation)
    )
    peak = trace.max()
    if peak < 1e-12:
        return None
    above = np.flatnonzero(trace >= threshold * peak)
    last = above[-1]
    if last == n_steps - 1:
        return None
    return int(last - start)


def neuron_explorer(n_steps=40):
    """Sliders for w_x, w_h, b, the input signal and the activation; plots x_t and h_t live."""
    import ipywidgets as widgets
    from IPython.display import display

    from course_utils.plotting import plot_neuron_response

    def show(w_x, w_h, b, signal, activation):
        x = input_signal(signal, n_steps)
        h = neuron_response(w_x, w_h, b, x, activation=activation)
        memory = pulse_memory(w_x, w_h, b, activation=activation)
        fig = plot_neuron_response(x, h, memory=memory)
        display(fig)

    slider = dict(continuous_update=False, readout_format=".2f")
    controls = dict(
        w_x=widgets.FloatSlider(value=1.0, min=-2, max=2, step=0.05, description="w_x", **slider),
        w_h=widgets.FloatSlider(value=0.8, min=-1.5, max=1.5, step=0.05, description="w_h", **slider),
        b=widgets.FloatSlider(value=0.0, min=-1, max=1, step=0.05, description="b", **slider),
        signal=widgets.Dropdown(options=SIGNALS, value="pulse", description="input"),
        activation=widgets.Dropdown(options=sorted(rnn.ACTIVATIONS), value="tanh", description="phi"),
    )
    out = widgets.interactive_output(show, controls)
    ui = widgets.VBox([widgets.HBox([controls["w_x"], controls["w_h"], controls["b"]]),
                       widgets.HBox([controls["signal"], controls["activation"]])])
    return widgets.VBox([ui, out])
