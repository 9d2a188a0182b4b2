"""Chapter 04's widget: one LSTM unit with hand-set gates.

Each widget is a thin ipywidgets front-end over a pure function, so its logic is tested without a browser:

- `gate_signal`, `gate_response`, `memory_steps`: what the cell remembers and what it shows for
  hand-set forget, input and output gates.
- `gate_explorer()`: sliders for f, i and o.
"""

import numpy as np

from course_utils._checks import positive_int
from course_utils.layers import lstm

EVENTS = {5: 0.9, 30: -0.6}  # step -> value of the two events worth remembering


def gate_signal(n_steps=60, *, noise=0.15, seed=0):
    """The gate explorer's input: two events (EVENTS) in small noise. Returns x (T,) and a (T,)
    boolean mask of the event steps."""
    n_steps = positive_int("n_steps", n_steps, minimum=max(EVENTS) + 1)
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
