"""Interactive explorers for the notebooks.

Each widget is a thin ipywidgets front-end over a pure function defined here or in another module,
so its logic is tested without a browser:

- `input_signal`, `neuron_response`, `pulse_memory`: one recurrent neuron (D = H = 1) driven by a
  simple signal, and how many steps it remembers a pulse.
- `neuron_explorer()`: sliders for the neuron's weights and input; a live plot of its response.
- `gradient_norm_curve`, `gradient_explorer()` (chapter 03): how much gradient survives k steps
  back in a random layer with a chosen spectral radius, activation, length and input scale.
"""

import numpy as np

from course_utils import rnn

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


# ---------------------------------------------------------------- chapter 03: gradient norms across time


def gradient_norm_curve(spectral_radius, activation="tanh", n_steps=50, input_scale=1.0, *, H=16, D=4, N=8, seed=0):
    """How much of a gradient survives k steps back, for a random layer: k (T+1,), norms (T+1,).

    Builds W_hh with the given spectral radius (`gradients.recurrent_weights`, orthogonal kind),
    W_xh with N(0, 1/D) entries, b_h = 0, and N input sequences of n_steps steps with N(0, input_scale^2)
    entries. norms[k] is the median over the N sequences of the spectral norm of dh_T/dh_{T-k}:
    the largest factor by which the gradient at the last state can be stretched on its way k steps back.
    """
    from course_utils import gradients

    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive int, got {n_steps!r}")
    rng = np.random.default_rng(seed)
    params = {
        "W_xh": rng.normal(size=(D, H)) / np.sqrt(D),
        "W_hh": gradients.recurrent_weights(H, spectral_radius, seed=seed),
        "b_h": np.zeros(H),
    }
    X = input_scale * rng.normal(size=(N, n_steps, D))
    Q = gradients.jacobians_to_end(X, params, activation=activation)  # (N, T+1, H, H)
    return np.arange(n_steps + 1), np.median(gradients.jacobian_norms(Q), axis=0)


def gradient_explorer():
    """Sliders for the spectral radius of W_hh, the activation, the length and the input scale;
    a live log-scale plot of the gradient norm against the number of steps back."""
    import ipywidgets as widgets
    from IPython.display import display

    from course_utils import gradients
    from course_utils.plotting import plot_gradient_decay

    def show(spectral_radius, activation, n_steps, input_scale):
        k, norms = gradient_norm_curve(spectral_radius, activation, n_steps, input_scale)
        reference = {f"radius$^k$ = {spectral_radius:.2f}$^k$": spectral_radius ** k.astype(float)}
        fig = plot_gradient_decay({activation: norms, **reference}, ylabel=r"$\|\partial h_T/\partial h_{T-k}\|_2$",
                                  title=f"after {n_steps} steps: {norms[-1]:.1e}")
        display(fig)

    slider = dict(continuous_update=False)
    controls = dict(
        spectral_radius=widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.05, description="radius", **slider),
        activation=widgets.Dropdown(options=sorted(gradients.ACTIVATIONS), value="tanh", description="phi"),
        n_steps=widgets.IntSlider(value=50, min=5, max=200, step=5, description="T", **slider),
        input_scale=widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=1, step=0.1, description="input scale",
                                           **slider),
    )
    out = widgets.interactive_output(show, controls)
    ui = widgets.VBox([widgets.HBox([controls["spectral_radius"], controls["activation"]]),
                       widgets.HBox([controls["n_steps"], controls["input_scale"]])])
    return widgets.VBox([ui, out])

