"""Chapter 01 figures: the recurrent neuron, sequence tensors, input/output patterns, forecasting."""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle

from course_utils import data
from course_utils.figures.common import (
    BLUE, BLUE_LIGHT, FS, GREEN, GREEN_LIGHT, GREY, GREY_LIGHT, INK, MUTED, ORANGE, ORANGE_LIGHT, RED, RED_LIGHT,
    _arrow, _box, _canvas, _chain, _circle, _note, shade, tint,
)

# ---------------------------------------------------------------- chapter 01 diagrams


def recurrent_neuron():
    """A recurrent neuron folded (with its self-loop) and unrolled over four time steps."""
    fig, ax = _canvas(12, 4.4)
    cx, cy, s = 2.0, 2.2, 0.8
    _box(ax, cx, cy, s, s, r"$\tanh$")
    _arrow(ax, (cx, 0.75), (cx, cy - s / 2), color=BLUE)
    _note(ax, cx, 0.55, r"$x_t$", ha="center", fs=FS + 1)
    _note(ax, cx + 0.1, 1.2, r"$W_{xh}$", color=RED)
    _arrow(ax, (cx, cy + s / 2), (cx, 3.75), color=GREEN)
    _note(ax, cx, 3.95, r"$h_t$", ha="center", fs=FS + 1)
    loop = [(cx, 3.15), (cx - 0.9, 3.15), (cx - 0.9, cy), (cx - s / 2, cy)]
    _arrow(ax, None, None, color=ORANGE, path=loop)
    _note(ax, cx - 0.97, 2.85, r"$W_{hh}$", color=RED, ha="right")
    _note(ax, cx - 0.97, 2.45, r"$h_{t-1}$", fs=FS - 1, ha="right")
    _note(ax, cx, 4.3, "folded", ha="center", fs=FS, weight="bold")

    _arrow(ax, (3.0, cy), (3.9, cy), lw=3, color=GREY)
    _note(ax, 3.45, cy + 0.3, "unroll", ha="center", fs=FS - 1, color=MUTED)

    xs = [5.7, 7.2, 8.7, 10.2]
    _chain(ax, xs, cy, size=s, text=r"$\tanh$", fs=FS + 1, arrow_len=0.6, h0=r"$h_0=0$",
           ins=[f"$x_{i}$" for i in range(1, 5)], outs=[f"$h_{i}$" for i in range(1, 5)],
           link_labels=[r"$W_{hh}$"] * 3)
    _arrow(ax, (xs[-1] + s / 2, cy), (xs[-1] + 1.05, cy), color=ORANGE, ls=(0, (1, 2)))
    for x in xs:
        _note(ax, x + 0.08, 1.2, r"$W_{xh}$", color=RED, fs=FS - 2)
    _note(ax, 7.95, 4.3, "unrolled through time", ha="center", fs=FS, weight="bold")
    _arrow(ax, (5.0, 0.2), (11.0, 0.2), color=MUTED, lw=1.2)
    _note(ax, 11.05, 0.2, "time", fs=FS - 2, color=MUTED)
    _note(ax, 7.95, 0.5, r"the same $W_{xh}$, $W_{hh}$, $b_h$ at every step", ha="center", color=RED, fs=FS - 1)
    return fig


def _matrix(ax, x, y, rows, cols, name, shape, *, fc, ec, s=0.3, highlight_row=False):
    """A rows x cols grid with its left edge at x, centred vertically on y; returns its right edge."""
    top = y + rows * s / 2
    for r in range(rows):
        for c in range(cols):
            face = ec if (highlight_row and r == 0) else fc
            ax.add_patch(Rectangle((x + c * s, top - (r + 1) * s), s, s, fc=face, ec="white", lw=1.2))
    ax.add_patch(Rectangle((x, top - rows * s), cols * s, rows * s, fill=False, ec=ec, lw=1.6))
    _note(ax, x + cols * s / 2, top + 0.25, name, ha="center", fs=FS + 1)
    _note(ax, x + cols * s / 2, top - rows * s - 0.25, shape, ha="center", fs=FS - 2, color=MUTED)
    return x + cols * s


def recurrent_layer_matrix(N=4, D=3, H=5):
    """One step of a recurrent layer for a mini-batch, every operand drawn with its shape."""
    fig, ax = _canvas(13, 3.9)
    y, gap = 1.9, 0.22

    def op(x, sym, width=0.45, fs=FS + 4):
        _note(ax, x + width / 2, y, sym, ha="center", fs=fs)
        return x + width

    x = _matrix(ax, 0.3, y, N, H, r"$H_t$", "(N, H)", fc=GREEN_LIGHT, ec=GREEN, highlight_row=True)
    x = op(x + gap, "=", 0.4)
    x = op(x, r"$\tanh$", 0.6)
    x = op(x, "(", 0.25, fs=48)
    x = _matrix(ax, x + 0.05, y, N, D, r"$X_t$", "(N, D)", fc=BLUE_LIGHT, ec=BLUE, highlight_row=True)
    x = op(x + 0.05, "@", 0.4)
    x = _matrix(ax, x + 0.05, y, D, H, r"$W_{xh}$", "(D, H)", fc=RED_LIGHT, ec=RED)
    x = op(x + 0.05, "+", 0.4)
    x = _matrix(ax, x + 0.05, y, N, H, r"$H_{t-1}$", "(N, H)", fc=ORANGE_LIGHT, ec=ORANGE, highlight_row=True)
    x = op(x + 0.05, "@", 0.4)
    x = _matrix(ax, x + 0.05, y, H, H, r"$W_{hh}$", "(H, H)", fc=RED_LIGHT, ec=RED)
    x = op(x + 0.05, "+", 0.4)
    x = _matrix(ax, x + 0.05, y, 1, H, r"$b_h$", "(H,): added to\nevery row", fc=RED_LIGHT, ec=RED)
    op(x + 0.05, ")", 0.25, fs=48)
    _note(ax, 0.3, 3.65, "H_t = np.tanh(X_t @ W_xh + H_prev @ W_hh + b_h)", family="monospace", fs=FS)
    _note(ax, 0.3, 0.25, r"dark row = one sequence of the batch: row $i$ of $H_t$ only uses row $i$ of $X_t$"
          r" and of $H_{t-1}$", fs=FS - 2, color=MUTED)
    return fig


def _block(ax, x0, y0, N, T, D, *, c=0.36, e=(0.24, 0.17)):
    """An (N, T, D) tensor as an oblique 3-D block: time to the right, batch down, features in depth."""
    ex, ey = e
    for d in range(D - 1, -1, -1):  # back layers first; only their top and right faces show
        for t in range(T):  # top face
            x, yy = x0 + t * c + d * ex, y0 + d * ey
            ax.add_patch(Polygon([(x, yy), (x + c, yy), (x + c + ex, yy + ey), (x + ex, yy + ey)],
                                 fc=tint(BLUE, 0.6), ec="white", lw=0.8))  # top face: sequence 0
        for n in range(N):  # right face
            x, yy = x0 + T * c + d * ex, y0 - n * c + d * ey
            ax.add_patch(Polygon([(x, yy), (x + ex, yy + ey), (x + ex, yy + ey - c), (x, yy - c)],
                                 fc=shade(BLUE, 0.25) if n == 0 else tint(BLUE, 0.35), ec="white", lw=0.8))
    for n in range(N):  # front face: feature 0 of every (sequence, step)
        for t in range(T):
            ax.add_patch(Rectangle((x0 + t * c, y0 - (n + 1) * c), c, c, ec="white", lw=0.8,
                                   fc=BLUE if n == 0 else BLUE_LIGHT))
    # edge arrows
    _arrow(ax, (x0, y0 - N * c - 0.2), (x0 + T * c, y0 - N * c - 0.2), color=INK, lw=1.2)
    _note(ax, x0 + T * c / 2, y0 - N * c - 0.45, "time steps T", ha="center", fs=FS - 1)
    _arrow(ax, (x0 - 0.2, y0), (x0 - 0.2, y0 - N * c), color=INK, lw=1.2)
    _note(ax, x0 - 0.3, y0 - N * c / 2, "batch N", ha="right", fs=FS - 1)
    xr, yr = x0 + T * c + 0.15, y0 - N * c
    _arrow(ax, (xr, yr - 0.05), (xr + D * ex, yr + D * ey - 0.05), color=INK, lw=1.2)
    _note(ax, xr + D * ex + 0.08, yr + D * ey - 0.05, f"features\nD = {D}", fs=FS - 1)


def sequence_tensor():
    """The batch-first sequence tensor (N, T, D): univariate (D = 1) next to multivariate (D = 3)."""
    fig, ax = _canvas(13, 3.8)
    _block(ax, 1.3, 2.55, 4, 10, 1)
    _note(ax, 3.1, 3.55, "univariate: X.shape = (N, T, 1)", ha="center", fs=FS, weight="bold")
    _block(ax, 7.5, 2.55, 4, 10, 3)
    _note(ax, 9.3, 3.55, "multivariate: X.shape = (N, T, D)", ha="center", fs=FS, weight="bold")
    _note(ax, 0.1, 0.25, "dark slab = one sequence, shape (T, D);   the slice at one time step = $X_t$,"
          " shape (N, D)", fs=FS - 2, color=MUTED)
    return fig


def io_typologies():
    """Sequence-to-sequence, sequence-to-vector, vector-to-sequence and encoder-decoder, 2 x 2."""
    fig, ax = _canvas(12, 6.75)
    xs = [1.4, 2.5, 3.6, 4.7]
    panels = [
        (0.3, 3.65, "sequence-to-sequence", [f"$x_{i}$" for i in range(1, 5)],
         [rf"$\hat y_{i}$" for i in range(1, 5)], "e.g. forecast the next value at every step"),
        (6.2, 3.65, "sequence-to-vector", [f"$x_{i}$" for i in range(1, 5)],
         ["", "", "", r"$\hat y$"], "e.g. a review in, one sentiment score out"),
        (0.3, 0.45, "vector-to-sequence", ["$x$", "", "", ""],
         [rf"$\hat y_{i}$" for i in range(1, 5)], "e.g. an image in, a caption out"),
    ]
    for x0, y0, title, ins, outs, example in panels:
        _note(ax, x0 + 0.1, y0 + 2.85, title, fs=FS + 1, weight="bold")
        _chain(ax, [x0 + x for x in xs], y0 + 1.45, ins=ins, outs=outs)
        _note(ax, x0 + 0.1, y0 + 0.1, example, fs=FS - 2, color=MUTED, style="italic")
    # encoder-decoder: three encoder cells (outputs ignored), then three decoder cells
    x0, y0 = 6.2, 0.45
    _note(ax, x0 + 0.1, y0 + 2.85, "encoder-decoder", fs=FS + 1, weight="bold")
    enc, dec = [x0 + 0.5 + 0.78 * i for i in range(3)], [x0 + 3.25 + 0.78 * i for i in range(3)]
    _chain(ax, enc, y0 + 1.3, ins=[f"$x_{i}$" for i in range(1, 4)], outs=["", "", ""], size=0.45)
    _chain(ax, dec, y0 + 1.3, ins=["", "", ""], outs=[rf"$\hat y_{i}$" for i in range(1, 4)], size=0.45,
           fc=GREEN_LIGHT, ec=GREEN)
    _arrow(ax, (enc[-1] + 0.23, y0 + 1.3), (dec[0] - 0.23, y0 + 1.3), color=ORANGE, lw=2.2)
    _note(ax, (enc[-1] + dec[0]) / 2, y0 + 1.45, "vector", ha="center", fs=FS - 3, color=ORANGE)
    _note(ax, enc[1], y0 + 2.55, "encoder", ha="center", fs=FS - 2, color=ORANGE)
    _note(ax, dec[1], y0 + 2.55, "decoder", ha="center", fs=FS - 2, color=GREEN)
    _note(ax, x0 + 0.1, y0 + 0.1, "e.g. a sentence in, its translation out", fs=FS - 2, color=MUTED,
          style="italic")
    ax.plot([6.0, 6.0], [0.5, 6.5], color=GREY_LIGHT, lw=1.5)
    ax.plot([0.3, 11.8], [3.55, 3.55], color=GREY_LIGHT, lw=1.5)
    _note(ax, 6.0, 0.18, "grey dashed arrows: an output the loss ignores, or no input at that step", ha="center",
          fs=FS - 2, color=MUTED)
    return fig


def window_vs_recurrent():
    """A dense net on a fixed window of the series, next to a recurrent net that walks the whole series."""
    fig, ax = _canvas(12.5, 5.0)
    values = data.generate_time_series(1, 30, seed=2)[0, :10, 0]  # a smooth stretch of 10 steps
    ys = 0.95 + 0.6 * values

    # left: feedforward on a window of k = 5 steps
    px = 0.5 + 0.52 * np.arange(10)
    ax.add_patch(FancyBboxPatch((px[5] - 0.22, 0.25), px[9] - px[5] + 0.44, 1.3,
                                boxstyle="round,pad=0,rounding_size=0.1", fc=BLUE_LIGHT, ec="none"))
    ax.plot(px, ys, color=GREY, lw=1, zorder=2)
    ax.scatter(px, ys, s=30, color=[GREY] * 5 + [BLUE] * 5, zorder=3)
    _note(ax, px[7], 0.12, "window of $k$ = 5 steps", ha="center", fs=FS - 2, color=BLUE)
    _note(ax, px[2], 1.85, "older steps:\nnever seen", ha="center", fs=FS - 2, color=MUTED)
    hidden = [(px[7] + 0.5 * (i - 1), 3.3) for i in range(3)]
    for x, y in zip(px[5:], ys[5:]):
        _arrow(ax, (x, y + 0.08), (x, 2.3), color=BLUE, lw=1)
        for hx, hy in hidden:
            ax.plot([x, hx], [2.4, hy], color=GREY, lw=0.6, zorder=1)
        ax.add_patch(_circle(x, 2.4, BLUE_LIGHT, BLUE))
    for hx, hy in hidden:
        ax.plot([hx, px[7]], [hy, 4.1], color=GREY, lw=0.6, zorder=1)
        ax.add_patch(_circle(hx, hy, ORANGE_LIGHT, ORANGE))
    ax.add_patch(_circle(px[7], 4.1, GREEN_LIGHT, GREEN))
    _note(ax, px[7] + 0.2, 4.15, r"$\hat y$", fs=FS)
    _note(ax, 0.3, 4.75, "dense net on a fixed window", fs=FS + 1, weight="bold")
    _note(ax, 0.3, 3.85, "• $k$ is fixed in advance", fs=FS - 2)
    _note(ax, 0.3, 3.5, "• $k \\times H$ input weights:\n  a longer window = more weights", fs=FS - 2)

    # right: a recurrent cell walks over every step
    rx = 6.9 + 0.55 * np.arange(10)
    ax.plot(rx, ys, color=GREY, lw=1, zorder=2)
    ax.scatter(rx, ys, s=30, color=BLUE, zorder=3)
    _chain(ax, rx, 2.55, outs=[None] * 9 + [r"$\hat y$"], size=0.34, arrow_len=0.3)
    for x, y in zip(rx, ys):  # each data point is the input of the cell above it
        _arrow(ax, (x, y + 0.08), (x, 2.55 - 0.17), color=BLUE, lw=1)
    _note(ax, 6.7, 4.75, "recurrent net over the whole series", fs=FS + 1, weight="bold")
    _note(ax, 6.7, 4.15, r"• any length $T$: the same $W_{xh}$, $W_{hh}$, $b_h$ at each step", fs=FS - 2)
    _note(ax, 6.7, 3.8, r"• $h_t$ carries a summary of every step so far", fs=FS - 2)
    ax.plot([6.3, 6.3], [0.2, 4.9], color=GREY_LIGHT, lw=1.5)
    return fig


def _strip(ax, x, y, colors, s=0.22):
    """A row of small squares (one per time step); returns the right edge."""
    for i, col in enumerate(colors):
        ax.add_patch(Rectangle((x + i * s, y - s / 2), s, s, fc=col, ec="white", lw=1))
    return x + len(colors) * s


def forecast_ahead():
    """Three ways to forecast 10 steps ahead: iterative, all at once, sequence-to-sequence."""
    fig, ax = _canvas(14.5, 4.8)
    titles = [("1. iterative", "predict 1 step, feed it back, repeat"),
              ("2. all at once", "one vector of 10 values after the last step"),
              ("3. sequence-to-sequence", "10 values at every step")]
    for x0, (title, sub) in zip([0.2, 5.0, 9.8], titles):
        _note(ax, x0, 4.55, title, fs=FS + 1, weight="bold")
        _note(ax, x0, 4.2, sub, fs=FS - 2, color=MUTED)
    ax.plot([4.8, 4.8], [0.2, 4.7], color=GREY_LIGHT, lw=1.5)
    ax.plot([9.6, 9.6], [0.2, 4.7], color=GREY_LIGHT, lw=1.5)

    # 1. iterative: the input window drops its oldest value and takes in the newest prediction
    for r in range(3):
        y, s = 3.45 - 0.95 * r, 0.2
        _strip(ax, 0.7 - r * s, y, [GREY] * r, s=s)  # dropped from the window
        right = _strip(ax, 0.7, y, [BLUE] * (8 - r) + [GREEN] * r, s=s)
        _box(ax, 3.0, y, 0.8, 0.4, "RNN", fs=FS - 2)
        _arrow(ax, (right + 0.05, y), (2.6, y), lw=1.2)
        _arrow(ax, (3.4, y), (3.7, y), lw=1.2)
        _strip(ax, 3.75, y, [GREEN], s=s)
        _note(ax, 4.0, y, rf"$\hat y_{{T+{r + 1}}}$", fs=FS - 2)
        if r < 2:  # the new prediction becomes the last input of the next row
            _arrow(ax, (3.85, y - 0.12), (right - 0.1, y - 0.83), color=GREEN, rad=-0.2, lw=1.2,
                   ls=(0, (3, 2)))
    _note(ax, 2.0, 0.95, "⋮  10 times", ha="center", fs=FS - 1)
    _note(ax, 0.3, 0.35, "one model, 1 output; errors pile up", fs=FS - 2, color=MUTED, style="italic")

    # 2. all at once: a sequence-to-vector net with a dense layer of 10 units
    xs = [5.6, 6.5, 7.4, 8.7]
    _chain(ax, xs, 1.5, ins=["$x_1$", "$x_2$", "$x_3$", "$x_T$"], outs=["", "", "", None], size=0.45)
    _note(ax, 8.05, 0.75, "⋯", ha="center", fs=FS)
    _box(ax, xs[-1], 2.35, 0.75, 0.4, "dense 10", fc=GREEN_LIGHT, ec=GREEN, fs=FS - 3)
    _arrow(ax, (xs[-1], 1.73), (xs[-1], 2.15), color=GREEN)
    for k in range(10):
        ax.add_patch(Rectangle((xs[-1] - 0.1, 2.65 + 0.13 * k), 0.2, 0.13, fc=GREEN, ec="white", lw=0.8))
    _note(ax, xs[-1] - 0.2, 3.3, r"$\hat y_{T+1}, \dots, \hat y_{T+10}$", ha="right", fs=FS - 2)
    _note(ax, 5.0, 0.35, "loss on the last step only", fs=FS - 2, color=MUTED, style="italic")

    # 3. sequence-to-sequence: every step forecasts its next 10 values
    xs = [10.4, 11.3, 12.2, 13.5]
    _chain(ax, xs, 1.5, ins=["$x_1$", "$x_2$", "$x_3$", "$x_T$"], size=0.45)
    _note(ax, 12.85, 0.75, "⋯", ha="center", fs=FS)
    for x in xs:
        _arrow(ax, (x, 1.73), (x, 2.05), color=GREEN)
        for k in range(10):
            ax.add_patch(Rectangle((x - 0.1, 2.08 + 0.13 * k), 0.2, 0.13, fc=GREEN, ec="white", lw=0.8))
    _note(ax, xs[0] - 0.15, 3.6, r"step $t$ forecasts $\hat y_{t+1}, \dots, \hat y_{t+10}$", fs=FS - 2)
    _note(ax, 9.8, 0.35, "loss on every step; keep the last step's 10", fs=FS - 2, color=MUTED,
          style="italic")
    return fig


def deep_rnn():
    """Two stacked recurrent layers of 20 units and a dense output read at the last step."""
    fig, ax = _canvas(8.9, 4.2)
    xs = [1.6, 3.0, 4.4, 6.4]
    _chain(ax, xs, 1.45, ins=["$x_1$", "$x_2$", "$x_3$", "$x_T$"], size=0.6, text="20",
           h0=r"$h^{(1)}_0$")
    _chain(ax, xs, 2.75, outs=["", "", "", None], size=0.6, text="20", h0=r"$h^{(2)}_0$")
    for x in xs:
        _arrow(ax, (x, 1.75), (x, 2.45), color=ORANGE)
    _box(ax, xs[-1], 3.85, 1.4, 0.45, "dense: 1 unit", fc=GREEN_LIGHT, ec=GREEN, fs=FS - 2)
    _arrow(ax, (xs[-1], 3.05), (xs[-1], 3.62), color=GREEN)
    _note(ax, xs[-1] + 0.8, 3.85, r"$\hat y_{T+1}$", fs=FS)
    _note(ax, 7.0, 1.45, "layer 1: 20 units,\npasses on all T states", fs=FS - 2, color=MUTED)
    _note(ax, 7.0, 2.65, "layer 2: 20 units,\nlast output only", fs=FS - 2, color=MUTED)
    return fig


# ---------------------------------------------------------------- chapter 01 data plots


def synthetic_series():
    """Three synthetic series: 50 input steps and the 51st value that a model must predict."""
    series = data.generate_time_series(3, 51)[:, :, 0]  # (3, 51)
    fig = Figure(figsize=(12, 3.6))
    axes = fig.subplots(1, 3, sharey=True)
    for i, ax in enumerate(axes):
        steps = np.arange(1, 52)  # time steps are numbered from 1, as on the slides
        ax.plot(steps[:50], series[i, :50], ".-", color=BLUE, lw=1.2, ms=4,
                label=r"inputs $x_1, \dots, x_{50}$")
        ax.plot(steps[50], series[i, 50], "X", color=RED, ms=10, label="target $x_{51}$")
        ax.axvline(50.5, color=GREY, lw=1, ls=":")
        ax.set_title(f"series {i + 1}", fontsize=FS)
        ax.set_xlabel("time step $t$", fontsize=FS - 1)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=FS - 3)
    axes[0].set_ylabel("$x(t)$", fontsize=FS)
    axes[0].set_ylim(-0.85, 1.15)
    axes[0].legend(loc="upper center", ncol=2, fontsize=FS - 3, frameon=False)
    fig.tight_layout()
    return fig


def sunspots():
    """The monthly mean sunspot number, 1749-2008, with one 11-year cycle marked."""
    t, values = data.load_sunspots()
    fig = Figure(figsize=(12, 3.6))
    ax = fig.subplots()
    ax.plot(t, values, color=BLUE, lw=0.6)
    smooth = np.convolve(values, np.ones(13) / 13, mode="same")  # 13-month running mean
    cycles = [(t > a) & (t < b) for a, b in ((1950, 1963), (1963, 1975))]  # two consecutive solar cycles
    peaks = [t[c][np.argmax(smooth[c])] for c in cycles]
    ax.annotate("", xy=(peaks[1], 265), xytext=(peaks[0], 265),
                arrowprops=dict(arrowstyle="<->", color=RED, lw=1.5))
    ax.text(np.mean(peaks), 275, f"{peaks[1] - peaks[0]:.0f} years", ha="center", va="bottom", color=RED,
            fontsize=FS - 2)
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(0, 310)
    ax.set_xlabel("year", fontsize=FS - 1)
    ax.set_ylabel("sunspot number", fontsize=FS - 1)
    ax.set_title(f"monthly mean sunspot number, {int(t[0])}-{int(t[-1])} ({len(t)} months)", fontsize=FS)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=FS - 3)
    fig.tight_layout()
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "01_recurrent_neuron": recurrent_neuron,
    "01_recurrent_layer_matrix": recurrent_layer_matrix,
    "01_sequence_tensor": sequence_tensor,
    "01_io_typologies": io_typologies,
    "01_window_vs_recurrent": window_vs_recurrent,
    "01_forecast_ahead": forecast_ahead,
    "01_deep_rnn": deep_rnn,
    "01_synthetic_series": synthetic_series,
    "01_sunspots": sunspots,
}
