"""Interactive explorers for the notebooks.

Each widget is a thin ipywidgets front-end over a pure function defined here or in another module,
so its logic is tested without a browser:

- `input_signal`, `neuron_response`, `pulse_memory`: one recurrent neuron (D = H = 1) driven by a
  simple signal, and how many steps it remembers a pulse.
- `neuron_explorer()`: sliders for the neuron's weights and input; a live plot of its response.
- `truncation_reach`, `truncation_explorer()` (chapter 02): which inputs the loss at the last step
  reaches under truncated BPTT with horizon k, and the share of its weight gradient that truncation drops.
- `gradient_norm_curve`, `gradient_explorer()` (chapter 03): how much gradient survives k steps
  back in a random layer with a chosen spectral radius, activation, length and input scale.
- `gate_signal`, `gate_response`, `memory_steps`, `gate_explorer()` (chapter 04): one LSTM unit with
  hand-set forget, input and output gates; what its cell remembers and what it shows.
- `dilation_schedule`, `receptive_field_explorer()` (chapter 05): which inputs the last output of a
  stack of causal convolutions sees (`conv1d.receptive_field_inputs`), for a chosen kernel size,
  depth and dilation schedule.
"""

import numpy as np

from course_utils import lstm, rnn

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


# ---------------------------------------------------------------- chapter 02: what truncated BPTT reaches


def truncation_reach(k, spectral_radius=0.95, *, T=30, H=16, D=1, seed=0):
    """Gradient of one loss at the last step T, full BPTT against truncated BPTT with horizon k.

    A random tanh layer (`rnn.init_params`, W_hh rescaled to the given spectral radius) reads one
    random sequence (N = 1); the loss is L = sum(g * h_T) for a random g. k: None (full BPTT) or an
    int >= 0, as in `rnn.rnn_backward(..., truncate=k)`.
    Returns a dict: "full" and "truncated" (T,) -- the norm of dL/dx_s for s = 1..T under each --
    and "dropped", the share of dL/dW_hh that truncation loses, |dW_full - dW_trunc| / |dW_full|;
    also what they were computed from: "params", "X" (1, T, D) and "g" (H,).
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T must be a positive int, got {T!r}")
    if not spectral_radius > 0:
        raise ValueError(f"spectral_radius must be a positive number, got {spectral_radius!r}")
    rng = np.random.default_rng(seed)
    params = rnn.init_params(D, H, seed=seed)
    W_hh = params["W_hh"]
    params["W_hh"] = W_hh * (spectral_radius / np.max(np.abs(np.linalg.eigvals(W_hh))))
    X = rng.normal(size=(1, T, D))
    _, cache = rnn.rnn_forward(X, params)
    dout = np.zeros((1, T, H))
    dout[0, -1] = rng.normal(size=H)  # the loss sits on the last step only
    full = rnn.rnn_backward(dout, cache)
    cut = rnn.rnn_backward(dout, cache, truncate=k)
    dropped = np.linalg.norm(full["W_hh"] - cut["W_hh"]) / np.linalg.norm(full["W_hh"])
    return {"full": np.linalg.norm(full["X"][0], axis=1), "truncated": np.linalg.norm(cut["X"][0], axis=1),
            "dropped": float(dropped), "params": params, "X": X, "g": dout[0, -1]}


def truncation_explorer(T=30):
    """Sliders for the truncation horizon k, the dependency length d and the spectral radius of W_hh;
    draws how much gradient each input gets from the loss at step T, with and without truncation."""
    import ipywidgets as widgets
    from IPython.display import display

    from course_utils.plotting import plot_truncation_reach

    def show(k, dependency, spectral_radius):
        reach = truncation_reach(k, spectral_radius, T=T)
        seen = "reaches" if dependency <= k else "never reaches"
        title = (f"k = {k}: the gradient {seen} $x_{{T-{dependency}}}$; "
                 f"truncation drops {100 * reach['dropped']:.0f}% of $\\partial L/\\partial W_{{hh}}$")
        display(plot_truncation_reach(reach["full"], reach["truncated"], k=k, dependency=dependency, title=title))

    slider = dict(continuous_update=False)
    controls = dict(
        k=widgets.IntSlider(value=4, min=0, max=T - 1, description="horizon k", **slider),
        dependency=widgets.IntSlider(value=6, min=0, max=T - 1, description="dependency d", **slider),
        spectral_radius=widgets.FloatSlider(value=0.95, min=0.3, max=1.5, step=0.05, description="radius",
                                            readout_format=".2f", **slider),
    )
    out = widgets.interactive_output(show, controls)
    ui = widgets.HBox([controls["k"], controls["dependency"], controls["spectral_radius"]])
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


# ---------------------------------------------------------------- chapter 04: the gate explorer

EVENTS = {5: 0.9, 30: -0.6}  # step -> value of the two events worth remembering


def gate_signal(n_steps=60, *, noise=0.15, seed=0):
    """The gate explorer's input: two events (EVENTS) in small noise. Returns x (T,) and a (T,)
    boolean mask of the event steps."""
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps <= max(EVENTS):
        raise ValueError(f"n_steps must be an int larger than {max(EVENTS)}, got {n_steps!r}")
    x = noise * np.random.default_rng(seed).normal(size=n_steps)
    is_event = np.zeros(n_steps, dtype=bool)
    for t, value in EVENTS.items():
        x[t], is_event[t] = value, True
    return x, is_event


def gate_response(f, i, o, *, write_events_only=True, n_steps=60, seed=0):
    """One hand-gated LSTM unit (`lstm.cell_trace`) reading `gate_signal`; candidate g_t = tanh(2 x_t).

    With write_events_only the input gate opens (to i) only at the event steps and stays shut
    elsewhere, as a trained gate would; otherwise it lets i of every step's noise in.
    Returns x, i_t, c, h, all (T,).
    """
    x, is_event = gate_signal(n_steps, seed=seed)
    i_t = np.where(is_event, i, 0.0) if write_events_only else np.full(n_steps, float(i))
    c, h = lstm.cell_trace(np.tanh(2 * x), f, i_t, o)
    return x, i_t, c, h


def memory_steps(f, fraction=0.1):
    """Steps until a value written into the cell has shrunk to `fraction` of itself, with forget gate f:
    f**k = fraction, so k = log(fraction) / log(f) (infinite for f = 1, zero for f = 0)."""
    if not 0 <= f <= 1:
        raise ValueError(f"f must lie in [0, 1], got {f!r}")
    if f == 1:
        return np.inf
    if f == 0:
        return 0.0
    return float(np.log(fraction) / np.log(f))


def gate_explorer(n_steps=60):
    """Sliders for the forget, input and output gates of one LSTM unit; live plots of the input,
    the cell state c_t (what it remembers) and the output h_t (what it shows)."""
    import ipywidgets as widgets
    from IPython.display import display

    from course_utils.plotting import plot_gate_response

    def show(f, i, o, write_events_only):
        x, i_t, c, h = gate_response(f, i, o, write_events_only=write_events_only, n_steps=n_steps)
        display(plot_gate_response(x, i_t, c, h, title=f"f = {f:.2f}: a write shrinks to 10% in "
                                                         f"{memory_steps(f):.0f} steps"))

    slider = dict(continuous_update=False, readout_format=".2f")
    controls = dict(
        f=widgets.FloatSlider(value=0.95, min=0.0, max=1.0, step=0.01, description="forget f", **slider),
        i=widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05, description="input i", **slider),
        o=widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.05, description="output o", **slider),
        write_events_only=widgets.Checkbox(value=True, description="input gate opens only at the events"),
    )
    out = widgets.interactive_output(show, controls)
    ui = widgets.VBox([widgets.HBox([controls["f"], controls["i"], controls["o"]]), controls["write_events_only"]])
    return widgets.VBox([ui, out])



# ---------------------------------------------------------------- chapter 05: receptive field of a causal stack

DILATION_SCHEDULES = ("constant 1", "doubling 1,2,4,…")


def dilation_schedule(name, n_layers):
    """The dilations of n_layers layers: all 1 ("constant 1") or 1, 2, 4, ... ("doubling 1,2,4,…", WaveNet)."""
    if name not in DILATION_SCHEDULES:
        raise ValueError(f"name must be one of {DILATION_SCHEDULES}, got {name!r}")
    return [1] * n_layers if name == "constant 1" else [2**l for l in range(n_layers)]


def receptive_field_explorer():
    """Sliders for the kernel size and the number of causal layers, a dilation-schedule menu; draws which
    inputs the last output sees, and the receptive-field size."""
    import ipywidgets as widgets
    from IPython.display import display

    from course_utils import conv1d
    from course_utils.plotting import plot_receptive_field

    def show(kernel_size, n_layers, schedule):
        kernel_sizes, dilations = [kernel_size] * n_layers, dilation_schedule(schedule, n_layers)
        R = conv1d.receptive_field(kernel_sizes, dilations)
        T = R + 4  # a few steps the last output does not see, on the left
        levels = conv1d.receptive_field_inputs(kernel_sizes, dilations, T=T)
        display(plot_receptive_field(levels, T=T, title=f"dilations {dilations}: receptive field {R} steps"))

    slider = dict(continuous_update=False)
    controls = dict(
        kernel_size=widgets.IntSlider(value=2, min=2, max=5, description="kernel size", **slider),
        n_layers=widgets.IntSlider(value=4, min=1, max=8, description="layers", **slider),
        schedule=widgets.Dropdown(options=DILATION_SCHEDULES, value="doubling 1,2,4,…", description="dilations"),
    )
    out = widgets.interactive_output(show, controls)
    ui = widgets.HBox([controls["kernel_size"], controls["n_layers"], controls["schedule"]])
    return widgets.VBox([ui, out])
