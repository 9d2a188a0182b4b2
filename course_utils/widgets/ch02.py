"""Chapter 02's widget: what the loss at the last step reaches under truncated BPTT.

Each widget is a thin ipywidgets front-end over a pure function, so its logic is tested without a browser:

- `truncation_reach(k, ...)`: full BPTT against truncated BPTT with horizon k, and the share of the
  weight gradient that truncation drops.
- `truncation_explorer()`: a slider for k and the spectral radius.
"""

import numpy as np

from course_utils._checks import positive_int
from course_utils.layers import rnn


def truncation_reach(k, spectral_radius=0.95, *, T=30, H=16, D=1, seed=0):
    """Gradient of one loss at the last step T, full BPTT against truncated BPTT with horizon k.

    A random tanh layer (`rnn.init_params`, W_hh rescaled to the given spectral radius) reads one
    random sequence (N = 1); the loss is L = sum(g * h_T) for a random g. k: None (full BPTT) or an
    int >= 0, as in `rnn.rnn_backward(..., truncate=k)`.
    Returns a dict: "full" and "truncated" (T,) -- the norm of dL/dx_s for s = 1..T under each --
    and "dropped", the share of dL/dW_hh that truncation loses, |dW_full - dW_trunc| / |dW_full|;
    also what they were computed from: "params", "X" (1, T, D) and "g" (H,).
    """
    T = positive_int("T", T)
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
