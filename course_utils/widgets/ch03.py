"""Chapter 03's widget: how much gradient survives k steps back.

Each widget is a thin ipywidgets front-end over a pure function, so its logic is tested without a browser:

- `gradient_norm_curve(...)`: the norms for a random layer with a chosen spectral radius, activation,
  length and input scale.
- `gradient_explorer()`: sliders over those four.
"""

import numpy as np

from course_utils._checks import positive_int


def gradient_norm_curve(spectral_radius, activation="tanh", n_steps=50, input_scale=1.0, *, H=16, D=4, N=8, seed=0):
    """How much of a gradient survives k steps back, for a random layer: k (T+1,), norms (T+1,).

    Builds W_hh with the given spectral radius (`gradients.recurrent_weights`, orthogonal kind),
    W_xh with N(0, 1/D) entries, b_h = 0, and N input sequences of n_steps steps with N(0, input_scale^2)
    entries. norms[k] is the median over the N sequences of the spectral norm of dh_T/dh_{T-k}:
    the largest factor by which the gradient at the last state can be stretched on its way k steps back.
    """
    from course_utils.layers import gradients

    n_steps = positive_int("n_steps", n_steps)
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

    from course_utils.layers import gradients
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
