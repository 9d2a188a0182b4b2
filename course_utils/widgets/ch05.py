"""Chapter 05's widget: which inputs the last output of a stack of causal convolutions sees.

Each widget is a thin ipywidgets front-end over a pure function, so its logic is tested without a browser:

- `dilation_schedule`: all 1 or doubling dilations.
- `receptive_field_explorer()`: kernel size, depth and dilation schedule
  (`conv1d.receptive_field_inputs`).
"""


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

    from course_utils.layers import conv1d
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
