"""Plot helpers for the notebooks.

Every helper takes `ax=None` (draws on a new figure when it is None), returns the Figure, never
calls plt.show() and never touches global rcParams. New figures are plain `matplotlib.figure.Figure`
objects, not registered with pyplot, so a notebook shows each one exactly once: when a cell returns it.
"""

import numpy as np
from matplotlib.figure import Figure

COLORS = {"input": "#1f4e79", "target": "#2e8b57", "forecast": "#c0392b", "published": "#999999"}


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
    ax.axvline(T - 0.5, color="0.7", lw=1)
    ax.set(xlabel="time step $t$", ylabel="value", title=title)
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def plot_learning_curves(history, *, ax=None, title=None, published=None):
    """Training and validation loss per epoch (log scale); `history` has train_loss and valid_loss lists."""
    fig, ax = _axes(ax, figsize=(5, 3))
    epochs = np.arange(1, len(history.train_loss) + 1)
    ax.plot(epochs, history.train_loss, "-", label="training")
    ax.plot(epochs, history.valid_loss, "-", label="validation")
    if published is not None:
        ax.axhline(published, color=COLORS["published"], ls=":", label=f"published {published:g}")
    ax.set(yscale="log", xlabel="epoch", ylabel="MSE", title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_mse_comparison(names, ours, published, *, ax=None, title="Validation MSE"):
    """Horizontal bars of our MSE beside the published one, log scale, one row per model."""
    if not len(names) == len(ours) == len(published):
        raise ValueError(f"names, ours and published must have the same length, got {len(names)}, {len(ours)}, {len(published)}")
    fig, ax = _axes(ax, figsize=(7, 0.45 * len(names) + 1))
    rows = np.arange(len(names))
    ax.barh(rows - 0.2, published, height=0.4, color=COLORS["published"], label="published")
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
    ax.axhline(0, color="0.6", lw=0.8)
    remembered = "more than the window" if memory is None else f"{memory} steps"
    ax.set(xlabel="time step $t$", title=f"memory of a pulse: {remembered}")
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    return fig
