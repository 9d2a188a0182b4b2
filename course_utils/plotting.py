"""Plot helpers for the notebooks.

Every helper takes `ax=None` (draws on a new figure when it is None), returns the Figure, never
calls plt.show() and never touches global rcParams. New figures are plain `matplotlib.figure.Figure`
objects, not registered with pyplot, so a notebook shows each one exactly once: when a cell returns it.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from course_utils._checks import check_shape
from course_utils.palette import BLUE, CYCLE, GREEN, GREY, MUTED, RED, SEQUENTIAL

# Roles of the plots, by name from the colour-blind-safe palette (course_utils.palette).
COLORS = {"input": BLUE, "target": GREEN, "forecast": RED, "published": MUTED, "off": GREY}


def _axes(ax, figsize=(7, 3)):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_forecast(x, y_true=None, y_pred=None, *, ax=None, title=None):
    """One series and what comes after it.

    x: (T,) or (T, 1) observed values; y_true, y_pred: (ahead,) values at steps T .. T+ahead-1.
    """
    fig, ax = _axes(ax)
    x = np.ravel(x)
    T = len(x)
    ax.plot(np.arange(T), x, ".-", color=COLORS["input"], label="observed $x_t$")
    if y_true is not None:
        y_true = np.ravel(y_true)
        ax.plot(np.arange(T, T + len(y_true)), y_true, "o-", color=COLORS["target"], label="actual")
    if y_pred is not None:
        y_pred = np.ravel(y_pred)
        ax.plot(np.arange(T, T + len(y_pred)), y_pred, "x--", color=COLORS["forecast"], ms=8, label="forecast")
    ax.axvline(T - 0.5, color=GREY, lw=1)
    ax.set(xlabel="time step $t$", ylabel="value", title=title)
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def plot_learning_curves(history, *, ax=None, title=None, published=None):
    """Training and validation loss per epoch (log scale); `history` has train_loss and valid_loss lists."""
    fig, ax = _axes(ax, figsize=(5, 3))
    epochs = np.arange(1, len(history.train_loss) + 1)
    ax.plot(epochs, history.train_loss, "-", color=CYCLE[0], label="training")
    ax.plot(epochs, history.valid_loss, "-", color=CYCLE[1], label="validation")
    if published is not None:
        ax.axhline(published, color=COLORS["published"], ls=":", label=f"published {published:g}")
    ax.set(yscale="log", xlabel="epoch", ylabel="MSE", title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_mse_comparison(names, ours, published, *, ax=None, title="Validation MSE"):
    """Horizontal bars of our MSE beside the published one, log scale, one row per model."""
    if not len(names) == len(ours) == len(published):
        raise ValueError("names, ours and published must have the same length, "
                         f"got {len(names)}, {len(ours)}, {len(published)}")
    fig, ax = _axes(ax, figsize=(7, 0.45 * len(names) + 1))
    rows = np.arange(len(names))
    ax.barh(rows - 0.2, published, height=0.4, color=COLORS["off"], label="published")
    ax.barh(rows + 0.2, ours, height=0.4, color=COLORS["forecast"], label="ours")
    ax.set_yticks(rows, names)
    ax.invert_yaxis()
    ax.set(xscale="log", xlabel="MSE (lower is better)", title=title)
    ax.legend(fontsize="small", loc="lower right")
    ax.grid(alpha=0.3, axis="x", which="both")
    return fig


def plot_neuron_response(x, h, *, memory=None, ax=None):
    """A neuron's input x_t and state h_t over time; the title reports how long it remembers a pulse."""
    fig, ax = _axes(ax, figsize=(7, 3))
    t = np.arange(1, len(x) + 1)
    ax.step(t, x, where="mid", color=COLORS["input"], alpha=0.6, label="input $x_t$")
    ax.plot(t, h, "o-", ms=3, color=COLORS["forecast"], label="state $h_t$")
    ax.axhline(0, color=GREY, lw=0.8)
    remembered = "more than the window" if memory is None else f"{memory} steps"
    ax.set(xlabel="time step $t$", title=f"memory of a pulse: {remembered}")
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


# ---------------------------------------------------------------- chapter 02: training and gradients over time


def plot_loss_curves(curves, *, ax=None, title=None, xlabel="update", ylabel="loss", logy=True):
    """One line per entry of `curves` ({label: sequence of losses}), log scale by default."""
    fig, ax = _axes(ax, figsize=(6, 3))
    for i, (label, values) in enumerate(curves.items()):
        ax.plot(np.arange(1, len(values) + 1), values, "-", color=CYCLE[i % len(CYCLE)], label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title, yscale="log" if logy else "linear")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_per_step(values, *, ax=None, title=None, ylabel="gradient norm"):
    """Grouped bars over time steps t = 1..T, one group member per entry of `values` ({label: (T,)})."""
    if not values:
        raise ValueError("values must hold at least one series, got an empty dict")
    lengths = {len(v) for v in values.values()}
    if len(lengths) != 1:
        raise ValueError(f"every series must have the same length T, got lengths {sorted(lengths)}")
    T = lengths.pop()
    fig, ax = _axes(ax, figsize=(7, 3))
    width = 0.8 / len(values)
    for i, (label, v) in enumerate(values.items()):
        ax.bar(np.arange(1, T + 1) + (i - (len(values) - 1) / 2) * width, v, width=width,
               color=CYCLE[i % len(CYCLE)], label=label)
    ax.set_xticks(np.arange(1, T + 1))
    ax.set(xlabel="time step $t$", ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, axis="y")
    return fig


def plot_truncation_sweep(horizons, errors, *, dependency, ax=None, baseline=None, title=None):
    """Final error for each truncation horizon k, with the task's dependency length d marked.

    horizons: list of ints (use None for full BPTT; it is drawn at the right end); errors: same length.
    """
    if len(horizons) != len(errors):
        raise ValueError(f"horizons and errors must have the same length, got {len(horizons)} and {len(errors)}")
    fig, ax = _axes(ax, figsize=(6, 3))
    finite = [k for k in horizons if k is not None]
    full_at = max(finite + [dependency]) + 2
    xs = [full_at if k is None else k for k in horizons]
    colors = [COLORS["target"] if (k is None or k >= dependency) else COLORS["forecast"] for k in horizons]
    ax.scatter(xs, errors, c=colors, s=40, zorder=3)
    ax.axvline(dependency - 0.5, color=MUTED, ls="--", lw=1)
    ax.text(dependency - 0.4, max(errors), f"horizon reaches d = {dependency}", fontsize="small", va="top")
    if baseline is not None:
        ax.axhline(baseline, color=COLORS["published"], ls=":", lw=1, label=f"always predict 0: {baseline:g}")
        ax.legend(fontsize="small", loc="center left")
    ax.set_xticks(sorted(set(xs)), [("full" if x == full_at else str(x)) for x in sorted(set(xs))])
    ax.set(xlabel="truncation horizon $k$", ylabel="validation MSE", yscale="log", title=title)
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_truncation_reach(full, truncated, *, k, dependency, ax=None, title=None):
    """How much gradient each input x_1..x_T gets from the loss at step T (log scale), full BPTT
    against truncation at horizon k; the inputs the truncated gradient reaches are shaded and the
    input the target depends on, x_{T-d}, is marked.

    full, truncated: (T,) gradient norms (zeros are not drawn: a log axis cannot show them).
    """
    full, truncated = np.asarray(full, dtype=np.float64), np.asarray(truncated, dtype=np.float64)
    if full.ndim != 1 or full.shape != truncated.shape:
        raise ValueError("full and truncated must be (T,) arrays of the same shape, "
                         f"got {full.shape} and {truncated.shape}")
    fig, ax = _axes(ax, figsize=(7, 3))
    T = len(full)
    steps = np.arange(1, T + 1)
    ax.axvspan(max(T - k, 1) - 0.5, T + 0.5, color=COLORS["target"], alpha=0.12, label=f"reached with k = {k}")
    ax.plot(steps, full, "o-", color=COLORS["published"], ms=4, label="full BPTT")
    kept = truncated > 0
    ax.plot(steps[kept], truncated[kept], "s", color=COLORS["forecast"], ms=5, label="truncated BPTT")
    if 0 <= dependency < T:
        ax.axvline(T - dependency, color=COLORS["input"], ls="--", lw=1.5, label=f"$x_{{T-d}}$, d = {dependency}")
    ax.set(yscale="log", xlabel="input step $s$ (the loss is at step $T$)",
           ylabel=r"$\|\partial L_T / \partial x_s\|$", title=title, xlim=(0.5, T + 0.5))
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(alpha=0.3, which="both", axis="y")
    return fig


# ---------------------------------------------------------------- chapter 03: vanishing gradients and long dependencies


def plot_gradient_decay(curves, *, ax=None, title=None, xlabel="steps back $k$",
                        ylabel=r"$|\partial h_T / \partial h_{T-k}|$"):
    """Gradient size against distance, log scale: one line per entry of `curves` ({label: (K+1,) values}).

    Entry k of each array is the size at k steps back (k = 0, 1, ..., K). A log axis cannot show 0,
    so a curve that hits exactly zero (a dead relu) ends with an x at the bottom of the plot.
    """
    if not curves:
        raise ValueError("curves must hold at least one series, got an empty dict")
    fig, ax = _axes(ax, figsize=(6, 3.2))
    floor = min((np.abs(v)[np.abs(v) > 0].min() for v in curves.values() if np.any(np.abs(v) > 0)), default=1e-12)
    styles = ["-", "--", "-.", ":"]  # curves that coincide (relu and linear at w = 1) stay visible
    for i, (label, values) in enumerate(curves.items()):
        v = np.abs(np.asarray(values, dtype=np.float64))
        k = np.arange(len(v))
        line, = ax.plot(k, np.where(v > 0, v, np.nan), styles[i % len(styles)], lw=2 if i % 2 else 1.5,
                        color=CYCLE[i % len(CYCLE)], label=label)
        if np.any(v == 0):
            ax.plot(k[np.argmax(v == 0)], floor / 10, "x", color=line.get_color(), ms=9, mew=2)
    ax.set(yscale="log", xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_accuracy_vs_length(lengths, accuracies, *, chance, ax=None, title=None):
    """Validation accuracy against the dependency length T: one dot per run, a line through the means.

    lengths: (L,) sequence lengths; accuracies: (L, R) accuracies of R runs per length; chance: 1/n_classes.
    """
    accuracies = np.asarray(accuracies, dtype=np.float64)
    if accuracies.ndim != 2 or len(accuracies) != len(lengths):
        raise ValueError(f"accuracies must have shape (L={len(lengths)}, R), got {accuracies.shape}")
    fig, ax = _axes(ax, figsize=(6, 3.2))
    for r in range(accuracies.shape[1]):
        ax.plot(lengths, accuracies[:, r], "o", color=COLORS["input"], alpha=0.45, ms=5,
                label="one run" if r == 0 else None)
    ax.plot(lengths, accuracies.mean(axis=1), "-", color=COLORS["forecast"], lw=2, label="mean")
    ax.axhline(chance, color=COLORS["published"], ls=":", label=f"guessing ({chance:.2f})")
    ax.set(xlabel="sequence length $T$ (the answer is $T-1$ steps back)", ylabel="validation accuracy",
           ylim=(0, 1.05), title=title)
    ax.legend(fontsize="small", loc="upper right")
    ax.grid(alpha=0.3)
    return fig



# ---------------------------------------------------------------- chapter 04: gates and long dependencies


def plot_gate_response(x, i_t, c, h, *, title=None):
    """Three stacked panels over time: the input x_t with the input gate's opening i_t, the cell
    state c_t, the output h_t. All arrays (T,). Returns a new Figure (three axes, so no ax=)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in (x, i_t, c, h)]
    if any(a.ndim != 1 or a.shape != arrays[0].shape for a in arrays):
        raise ValueError(f"x, i_t, c, h must all have the same shape (T,), got {[a.shape for a in arrays]}")
    x, i_t, c, h = arrays
    fig = Figure(figsize=(7, 5), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    t = np.arange(len(x))
    axes[0].plot(t, x, color=COLORS["input"], label="input $x_t$")
    axes[0].bar(t, i_t, color=COLORS["off"], alpha=0.6, width=0.8, label="input gate $i_t$")
    axes[1].plot(t, c, color=COLORS["forecast"], lw=2, label="cell state $c_t$")
    axes[2].plot(t, h, color=COLORS["target"], lw=2, label="output $h_t$")
    for ax in axes:
        ax.axhline(0, color=GREY, lw=0.8)
        ax.legend(fontsize="small", loc="upper right")
        ax.grid(alpha=0.3)
    axes[1].set(ylim=(min(-1.0, c.min() - 0.1), max(1.0, c.max() + 0.1)))
    axes[2].set(ylim=(-1.05, 1.05), xlabel="time step $t$")
    axes[0].set_title(title)
    return fig


def plot_gradient_reach(curves, *, ax=None, title=None):
    """Size of the gradient reaching each input step: one line per entry of `curves` ({label: (T,)}),
    log scale, with the last step (where the loss is) on the right."""
    if not curves:
        raise ValueError("curves must hold at least one series, got an empty dict")
    fig, ax = _axes(ax, figsize=(6.5, 3.4))
    for i, (label, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=np.float64)
        ax.plot(np.arange(1, len(v) + 1), v, lw=2, color=CYCLE[i % len(CYCLE)], label=label)
    ax.set(yscale="log", xlabel="input step $t$ (the loss reads the last state)",
           ylabel=r"$\|\partial L / \partial x_t\|$", title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_mse_vs_length(lengths, scores, *, baseline, solved=None, ax=None, title=None):
    """Test MSE against the sequence length, log scale: one line per model ({label: (L,) MSEs}),
    a dotted line at the baseline (answering a constant) and, optionally, a dashed "solved" level."""
    if not scores:
        raise ValueError("scores must hold at least one series, got an empty dict")
    fig, ax = _axes(ax, figsize=(6, 3.4))
    for (label, values), marker, colour in zip(scores.items(), "osD^v", CYCLE):
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (len(lengths),):
            raise ValueError(f"scores[{label!r}] must have shape (L={len(lengths)},), got {values.shape}")
        ax.plot(lengths, np.maximum(values, 1e-5), marker + "-", lw=2, color=colour, label=label)
    ax.axhline(baseline, color=COLORS["published"], ls=":", label=f"constant answer ({baseline:.3f})")
    if solved is not None:
        ax.axhline(solved, color=COLORS["published"], ls="--", lw=1, label=f"solved ({solved})")
    ax.set(xscale="log", yscale="log", xlabel="sequence length $T$", ylabel="test MSE", title=title)
    ax.set_xticks(lengths, [str(T) for T in lengths])
    ax.xaxis.set_minor_locator(NullLocator())  # no "3 x 10^1" labels between the lengths
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


# ---------------------------------------------------------------- chapter 05: receptive fields


def plot_receptive_field(levels, *, T, ax=None, title=None):
    """Dots for the T steps of every layer (inputs at the bottom); the steps in `levels` coloured.

    levels: a list of index arrays, one per layer from the input up, as `conv1d.receptive_field_inputs`
    returns them. Returns the Figure.
    """
    fig, ax = _axes(ax, figsize=(8, 0.45 * len(levels) + 1.2))
    for row, level in enumerate(levels):
        ax.scatter(np.arange(T), np.full(T, row), s=12, color=GREY)
        ax.scatter(level, np.full(len(level), row), s=24,
                   color=COLORS["forecast"] if row == len(levels) - 1 else COLORS["input"])
    ax.set_yticks(range(len(levels)), ["input"] + [f"layer {l}" for l in range(1, len(levels))])
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("time step $t$")
    ax.set_title(title or f"the last output sees {len(levels[0])} input steps")
    return fig


def plot_alignment(weights, inputs, outputs, *, ax=None, title=None):
    """Heatmap of attention weights (Ty, Tx): one row per output character, one column per input character.

    inputs: the Tx input characters (a string); outputs: the Ty output labels (a string, or a list
    with "<eos>" for the end, see `output_labels`). Returns the Figure.
    """
    weights = check_shape("weights", weights, (("Ty", len(outputs)), ("Tx", len(inputs))))
    fig, ax = _axes(ax, figsize=(0.3 * len(inputs) + 2, 0.3 * len(outputs) + 1.4))
    image = ax.imshow(weights, cmap=SEQUENTIAL, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(inputs)), [repr(c)[1:-1] if c != " " else "\u2423" for c in inputs])
    ax.set_yticks(range(len(outputs)), list(outputs))
    ax.set(xlabel="input character", ylabel="output character", title=title)
    fig.colorbar(image, ax=ax, shrink=0.8, label="attention weight")
    return fig


def output_labels(answer, n_rows):
    """Row labels for an answer with n_rows weight rows: its characters, then "<eos>" if the model wrote one."""
    labels = list(answer)
    return labels + ["<eos>"] * (n_rows - len(labels))
