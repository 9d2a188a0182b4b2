"""Chapter 04 figures: the LSTM and GRU cells, the cell state as a conveyor belt, the two gradient
paths, and the bidirectional layer.

All five are diagrams, drawn by hand on the inch canvas of `common._canvas`; none shows a number.
Names follow `course_utils.layers.lstm` and `course_utils.layers.gru`: LSTM gates f, i, o, candidate g, state
pair (h, c); GRU update z, reset r, candidate g. Colours as in the rest of the course: inputs blue,
states orange, outputs green, gradients red; the sigmoid gates are drawn as blue "valves".
"""

from matplotlib.patches import Circle

from course_utils.figures.common import (
    BACK, BLUE, BLUE_LIGHT, FS, GREEN, GREEN_LIGHT, GREY, GREY_LIGHT, INK, MUTED, ORANGE, ORANGE_LIGHT, PURPLE,
    PURPLE_LIGHT, RED, _arrow, _box, _canvas, _note,
)



def _op(ax, x, y, sym, *, r=0.2, fs=FS + 1):
    """An element-wise operation node: a white circle holding ×, + or 1−."""
    ax.add_patch(Circle((x, y), r, fc="white", ec=INK, lw=1.5, zorder=4))
    ax.text(x, y, sym, ha="center", va="center", fontsize=fs, color=INK, zorder=5)


def _line(ax, xs, ys, *, color=ORANGE, lw=2.0, ls="-"):
    ax.plot(xs, ys, color=color, lw=lw, ls=ls, solid_capstyle="round", zorder=2)


def _dot(ax, x, y, color=ORANGE):
    ax.plot([x], [y], "o", color=color, ms=6, zorder=3)


def _gate(ax, x, y, text, *, sigmoid=True, w=0.9, h=0.6):
    if sigmoid:
        _box(ax, x, y, w, h, text, fc=BLUE_LIGHT, ec=BLUE, fs=FS)
    else:
        _box(ax, x, y, w, h, text, fc=ORANGE_LIGHT, ec=ORANGE, fs=FS)


def lstm_cell():
    """One LSTM step: the cell-state line on top, three sigmoid gates and the tanh candidate below."""
    fig, ax = _canvas(12, 6.6)
    _box(ax, 6.2, 3.15, 8.8, 4.7, fc=GREY_LIGHT, ec=GREY, lw=1.2)
    yc, yb, yg = 4.85, 1.25, 2.45  # cell-state line, input bus, gate row
    xf, xi, xg, xo = 3.5, 5.3, 6.7, 8.2  # gate columns
    xadd, xh = 6.0, 9.4  # the + on the cell line, the output column
    # cell state: c_{t-1} -> (× f_t) -> (+ i_t*g_t) -> c_t
    _line(ax, [1.0, xf - 0.2], [yc, yc], lw=3)
    _line(ax, [xf + 0.2, xadd - 0.2], [yc, yc], lw=3)
    _line(ax, [xadd + 0.2, xh], [yc, yc], lw=3)
    _arrow(ax, (xh, yc), (11.05, yc), color=ORANGE, lw=3)
    _note(ax, 0.95, yc, "$c_{t-1}$", ha="right", fs=FS + 1)
    _note(ax, 11.1, yc, "$c_t$", fs=FS + 1)
    _op(ax, xf, yc, "×")
    _op(ax, xadd, yc, "+")
    # input bus: h_{t-1} from the left, x_t from below, both feed every gate
    _line(ax, [1.0, xo], [yb, yb])
    _note(ax, 0.95, yb, "$h_{t-1}$", ha="right", fs=FS + 1)
    _arrow(ax, (2.4, 0.2), (2.4, yb - 0.05), color=BLUE, lw=2)
    _note(ax, 2.5, 0.35, "$x_t$", fs=FS + 1)
    _dot(ax, 2.4, yb)
    for x in (xf, xi, xg, xo):
        _arrow(ax, (x, yb), (x, yg - 0.3), color=ORANGE)
    for x, name in ((xf, "forget"), (xi, "input"), (xg, "candidate"), (xo, "output")):
        _note(ax, x, yb - 0.3, name, ha="center", fs=FS - 3, color=MUTED)
    _gate(ax, xf, yg, r"$\sigma$: $f_t$")
    _gate(ax, xi, yg, r"$\sigma$: $i_t$")
    _gate(ax, xg, yg, r"tanh: $g_t$", sigmoid=False, w=1.15)
    _gate(ax, xo, yg, r"$\sigma$: $o_t$")
    # forget: f_t scales the old cell state
    _arrow(ax, (xf, yg + 0.3), (xf, yc - 0.2), color=BLUE, lw=2)
    # input: i_t * g_t is added
    ym = 3.65
    _op(ax, xadd, ym, "×")
    _arrow(ax, (xi, yg + 0.3), (xadd - 0.15, ym - 0.13), color=BLUE, lw=2)
    _arrow(ax, (xg, yg + 0.3), (xadd + 0.15, ym - 0.13), color=ORANGE, lw=2)
    _arrow(ax, (xadd, ym + 0.2), (xadd, yc - 0.2), color=ORANGE, lw=2)
    _note(ax, xadd + 0.25, (ym + yc) / 2, r"$i_t \odot g_t$", fs=FS - 2)
    # output: h_t = o_t * tanh(c_t)
    _dot(ax, xh, yc)
    _arrow(ax, (xh, yc), (xh, 4.05), color=ORANGE, lw=2)
    _box(ax, xh, 3.75, 0.8, 0.5, "tanh", fc=ORANGE_LIGHT, ec=ORANGE, fs=FS - 1)
    _arrow(ax, (xh, 3.5), (xh, yg + 0.2), color=ORANGE, lw=2)
    _op(ax, xh, yg, "×")
    _arrow(ax, (xo + 0.45, yg), (xh - 0.2, yg), color=BLUE, lw=2)
    _arrow(ax, (xh + 0.2, yg), (11.05, yg), color=GREEN, lw=2.5)
    _note(ax, 11.1, yg, "$h_t$", fs=FS + 1)
    _note(ax, 10.7, yg - 0.35, "(also the output)", va="top", fs=FS - 4, color=MUTED)
    # captions
    _note(ax, 0.3, 6.25, "one LSTM step: the state is the pair ($h$, $c$)", fs=FS + 1, weight="bold")
    _note(ax, 6.7, 5.55, r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$", fs=FS, color=ORANGE)
    _note(ax, 9.75, 3.2, r"$h_t = o_t \odot \tanh(c_t)$", fs=FS - 2, color=GREEN)
    _note(ax, 11.9, 0.3, r"each gate: $\sigma(x_t W_{x\cdot} + h_{t-1} W_{h\cdot} + b_\cdot)$, the candidate with tanh",
          ha="right", fs=FS - 3, color=MUTED)
    return fig


def conveyor_belt(steps=4):
    """The cell state as a conveyor belt: at each step the forget gate scales it, the input gate adds to it."""
    fig, ax = _canvas(12.4, 4.9)
    y, x0, dx = 3.1, 1.2, 2.7
    xs = [x0 + 0.9 + dx * k for k in range(steps)]
    # the belt: two rollers and a thick band
    ax.add_patch(Circle((x0, y), 0.32, fc=GREY_LIGHT, ec=MUTED, lw=1.5))
    ax.add_patch(Circle((xs[-1] + 1.6, y), 0.32, fc=GREY_LIGHT, ec=MUTED, lw=1.5))
    _line(ax, [x0, xs[-1] + 1.6], [y + 0.32, y + 0.32], color=MUTED, lw=1.5)
    _line(ax, [x0, xs[-1] + 1.6], [y - 0.32, y - 0.32], color=MUTED, lw=1.5)
    _line(ax, [x0, xs[-1] + 1.6], [y, y], color=ORANGE, lw=4)
    _note(ax, x0 - 0.45, y, "$c_0$", ha="right", fs=FS + 1)
    for k, x in enumerate(xs, start=1):
        _op(ax, x, y, "×")
        _op(ax, x + 0.9, y, "+")
        _arrow(ax, (x, 1.75), (x, y - 0.2), color=BLUE, lw=2)
        _note(ax, x, 1.55, f"$f_{k}$", ha="center", va="top", fs=FS)
        _arrow(ax, (x + 0.9, 1.75), (x + 0.9, y - 0.2), color=ORANGE, lw=2)
        _note(ax, x + 0.9, 1.55, f"$i_{k} \\odot g_{k}$", ha="center", va="top", fs=FS - 1)
        _arrow(ax, (x + 1.2, y + 0.35), (x + 1.2, y + 0.95), color=GREEN, lw=1.8)
        _note(ax, x + 1.2, y + 1.0, f"$h_{k} = o_{k} \\odot \\tanh(c_{k})$", ha="center", va="bottom", fs=FS - 3,
              color=GREEN)
        _note(ax, x + 1.55, y - 0.5, f"$c_{k}$", ha="center", fs=FS - 1, color=ORANGE)
    _note(ax, 0.3, 4.6, "the cell state rides a conveyor belt: scaled by $f_t$, topped up by $i_t \\odot g_t$, "
          "read through $o_t$", fs=FS, weight="bold")
    _note(ax, 0.3, 0.75, "forget gate near 1 and input gate near 0: the belt carries $c$ through the step unchanged."
          "  No weight matrix and", fs=FS - 2, color=MUTED)
    _note(ax, 0.3, 0.4, "no squashing function sits on the belt itself: the only change to $c$ is one "
          "element-wise product and one sum per step.", fs=FS - 2, color=MUTED)
    return fig


def gru_cell():
    """One GRU step in the textbook form: reset before the product, z = 1 writes the candidate."""
    fig, ax = _canvas(12, 6.6)
    _box(ax, 5.9, 3.2, 8.4, 4.9, fc=GREY_LIGHT, ec=GREY, lw=1.2)
    yt, yh, yx, yg = 5.15, 1.15, 0.55, 2.45  # state line, h bus, x bus, gate row
    xz, xr, xrm, xg, xm = 2.6, 4.0, 5.5, 7.3, 9.1  # z, r, r⊙h, candidate, the mixing column
    # the state line on top: h_{t-1} -> (× (1 - z)) -> (+) -> h_t
    _line(ax, [0.9, xm - 2.4 - 0.2], [yt, yt], lw=3)
    _op(ax, xm - 2.4, yt, "×")
    _line(ax, [xm - 2.4 + 0.2, xm - 0.2], [yt, yt], lw=3)
    _op(ax, xm, yt, "+")
    _arrow(ax, (xm + 0.2, yt), (11.05, yt), color=GREEN, lw=3)
    _note(ax, 0.85, yt, "$h_{t-1}$", ha="right", fs=FS + 1)
    _note(ax, 11.1, yt, "$h_t$", fs=FS + 1)
    # h_{t-1} also goes down to the gates and to the reset product
    _dot(ax, 1.4, yt)
    _line(ax, [1.4, 1.4, xrm], [yt, yh, yh])
    for x in (xz, xr):
        _arrow(ax, (x - 0.15, yh), (x - 0.15, yg - 0.3), color=ORANGE)
    _arrow(ax, (xrm, yh), (xrm, yg - 0.2), color=ORANGE)
    # x_t feeds both gates and the candidate
    _line(ax, [0.9, xg], [yx, yx], color=BLUE)
    _note(ax, 0.85, yx, "$x_t$", ha="right", fs=FS + 1)
    for x in (xz + 0.15, xr + 0.15, xg):
        _arrow(ax, (x, yx), (x, yg - 0.3), color=BLUE)
    _gate(ax, xz, yg, r"$\sigma$: $z_t$")
    _gate(ax, xr, yg, r"$\sigma$: $r_t$")
    _note(ax, xz - 0.08, yg + 0.5, "update", ha="right", fs=FS - 4, color=MUTED)
    _note(ax, xr, yg + 0.5, "reset", ha="center", fs=FS - 4, color=MUTED)
    # reset BEFORE the product: (r ⊙ h_{t-1}) W_hg
    _op(ax, xrm, yg, "×")
    _arrow(ax, (xr + 0.45, yg), (xrm - 0.2, yg), color=BLUE, lw=2)
    _arrow(ax, (xrm + 0.2, yg), (xg - 0.6, yg), color=ORANGE, lw=2)
    _note(ax, (xrm + xg) / 2 - 0.05, yg + 0.3, r"$r_t \odot h_{t-1}$", ha="center", fs=FS - 3)
    _gate(ax, xg, yg, r"tanh: $g_t$", sigmoid=False, w=1.2)
    _note(ax, xg, yg + 0.5, "candidate", ha="center", fs=FS - 4, color=MUTED)
    # the mix: h_t = (1 - z) ⊙ h_{t-1} + z ⊙ g_t
    _line(ax, [xz, xz, xm - 2.4], [yg + 0.3, 3.4, 3.4], color=BLUE)
    _op(ax, xm - 2.4, 4.2, "1−", fs=FS - 1)
    _arrow(ax, (xm - 2.4, 3.4), (xm - 2.4, 4.0), color=BLUE, lw=2)
    _arrow(ax, (xm - 2.4, 4.4), (xm - 2.4, yt - 0.2), color=BLUE, lw=2)
    _note(ax, xm - 2.15, 4.7, r"$1 - z_t$", fs=FS - 3)
    _line(ax, [xm - 2.4, xm - 0.6], [3.4, 3.4], color=BLUE)
    _op(ax, xm, 3.9, "×")
    _arrow(ax, (xm - 0.6, 3.4), (xm - 0.17, 3.8), color=BLUE, lw=2)
    _line(ax, [xg + 0.6, xm, xm], [yg, yg, 3.2])
    _arrow(ax, (xm, 3.2), (xm, 3.7), color=ORANGE, lw=2)
    _arrow(ax, (xm, 4.1), (xm, yt - 0.2), color=ORANGE, lw=2)
    _note(ax, xm + 0.25, 4.45, r"$z_t \odot g_t$", fs=FS - 3)
    _note(ax, 0.3, 6.3, "one GRU step, textbook form: one state $h$, two gates", fs=FS + 1, weight="bold")
    _note(ax, 10.4, 3.4, r"$h_t = (1 - z_t) \odot h_{t-1}$" "\n" r"$\qquad + \; z_t \odot g_t$", fs=FS - 2,
          color=GREEN)
    _note(ax, 10.4, 1.9, "torch's form:\nz keeps the old state\n(its z is our 1 − z);\nreset applied\n"
          "after the product", fs=FS - 4, color=MUTED)
    _note(ax, 11.9, 0.2, r"$g_t = \tanh(x_t W_{xg} + (r_t \odot h_{t-1}) W_{hg} + b_g)$", ha="right", fs=FS - 3,
          color=MUTED)
    return fig


def gradient_paths():
    """Going back one step: a plain RNN multiplies by a matrix, the LSTM's cell path by the forget gate."""
    fig, ax = _canvas(12.4, 5.6)
    xs, s = [2.0, 5.4, 8.8], 0.9
    for y, names, fc, ec, factor, title in (
        (4.2, ["$h_{t-2}$", "$h_{t-1}$", "$h_t$"], ORANGE_LIGHT, ORANGE,
         r"$\cdot\ \mathrm{diag}(\phi'(a_{%s}))\, W_{hh}^\top$", "plain RNN: one step back = a matrix product"),
        (1.55, ["$c_{t-2}$", "$c_{t-1}$", "$c_t$"], ORANGE_LIGHT, ORANGE, r"$\odot\ f_{%s}$",
         "LSTM, along the cell state: one step back = an element-wise product"),
    ):
        _note(ax, 0.3, y + 1.05, title, fs=FS, weight="bold")
        for x, name in zip(xs, names):
            _box(ax, x, y, 1.2, s, name, fc=fc, ec=ec, fs=FS + 1)
        for k in range(2):
            a, b = xs[k] + 0.6, xs[k + 1] - 0.6
            _arrow(ax, (a, y + 0.2), (b, y + 0.2), color=ORANGE, lw=2)
            _arrow(ax, (b, y - 0.2), (a, y - 0.2), **BACK)
            step = "t-1" if k == 0 else "t"
            _note(ax, (a + b) / 2, y - 0.55, factor % step, ha="center", fs=FS - 1, color=RED)
        _arrow(ax, (xs[-1] + 0.6, y - 0.2), (xs[-1] + 1.3, y - 0.2), **{**BACK, "ls": (0, (1, 2))})
        _arrow(ax, (xs[0] - 0.6, y - 0.2), (xs[0] - 1.3, y - 0.2), **{**BACK, "ls": (0, (1, 2))})
    _note(ax, 10.35, 4.45, "k steps back:\nk matrix products,\neach with a slope\n$\\phi' \\leq 1$", fs=FS - 2,
          color=RED, va="top")
    _note(ax, 10.35, 1.8, "k steps back:\n$f_t \\odot f_{t-1} \\odot \\cdots$\nno $W$, no slope;\n"
          "$f \\approx 1$ keeps it", fs=FS - 2, color=RED, va="top")
    _note(ax, 0.3, 0.35, r"$\partial c_t/\partial c_{t-1} = \mathrm{diag}(f_t)$ along the cell path (the other "
          "paths, through $h$ and the gates, still exist and still shrink)", fs=FS - 2, color=MUTED)
    return fig


def bidirectional(steps=4):
    """A bidirectional layer: a left-to-right pass and a right-to-left pass, concatenated at each step."""
    fig, ax = _canvas(12.4, 6.0)
    xs, s = [2.3 + 2.4 * k for k in range(steps)], 0.62
    yx, yf, yb, yo = 0.55, 1.9, 3.25, 4.75
    d = 0.45  # the forward cell sits left of x_t, the backward cell right of it
    for k, x in enumerate(xs, start=1):
        _note(ax, x, yx, f"$x_{k}$", ha="center", fs=FS + 1)
        _line(ax, [x, x], [yx + 0.22, 1.05], color=BLUE, lw=1.6)
        _line(ax, [x - d, x + d], [1.05, 1.05], color=BLUE, lw=1.6)
        _dot(ax, x, 1.05, color=BLUE)
        _arrow(ax, (x - d, 1.05), (x - d, yf - s / 2), color=BLUE)
        _arrow(ax, (x + d, 1.05), (x + d, yb - s / 2), color=BLUE)
        _box(ax, x - d, yf, s, s, rf"$\overrightarrow{{h}}_{k}$", fc=ORANGE_LIGHT, ec=ORANGE, fs=FS - 1)
        _box(ax, x + d, yb, s, s, rf"$\overleftarrow{{h}}_{k}$", fc=PURPLE_LIGHT, ec=PURPLE, fs=FS - 1)
        _box(ax, x, yo, 1.6, 0.62, "", fc=GREEN_LIGHT, ec=GREEN)
        ax.plot([x, x], [yo - 0.31, yo + 0.31], color=GREEN, lw=1)
        _note(ax, x - d, yo, rf"$\overrightarrow{{h}}_{k}$", ha="center", fs=FS - 2)
        _note(ax, x + d, yo, rf"$\overleftarrow{{h}}_{k}$", ha="center", fs=FS - 2)
        _arrow(ax, (x - d, yf + s / 2), (x - d, yo - 0.31), color=ORANGE, lw=1.4)
        _arrow(ax, (x + d, yb + s / 2), (x + d, yo - 0.31), color=PURPLE, lw=1.4)
        if k < steps:
            _arrow(ax, (x - d + s / 2, yf), (xs[k] - d - s / 2, yf), color=ORANGE, lw=2)
            _arrow(ax, (xs[k] + d - s / 2, yb), (x + d + s / 2, yb), color=PURPLE, lw=2)
    _note(ax, xs[0] - 0.9, yf, "forward\npass", ha="right", fs=FS - 2, color=ORANGE)
    _note(ax, xs[-1] + 0.95, yb, "backward\npass", fs=FS - 2, color=PURPLE)
    _note(ax, xs[-1] + 0.95, yo, "output at step t:\nboth states side\nby side, 2H wide", fs=FS - 3, color=GREEN)
    _note(ax, 0.3, 5.65, "a bidirectional layer: two independent RNNs, one reads the sequence backwards",
          fs=FS, weight="bold")
    _note(ax, 12.1, 0.2, "the output at step 1 already depends on $x_4$: only when the whole sequence is known",
          ha="right", fs=FS - 3, color=MUTED)
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "04_lstm_cell": lstm_cell,
    "04_conveyor_belt": conveyor_belt,
    "04_gru_cell": gru_cell,
    "04_gradient_paths": gradient_paths,
    "04_bidirectional": bidirectional,
}
