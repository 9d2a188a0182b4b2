"""Chapter 05 figures: a kernel sliding along time, stride and padding, a WaveNet-style stack of
dilated causal convolutions, and how far information travels in a recurrent chain vs a conv stack.

All four are diagrams on the inch canvas of `common._canvas`. Notation follows `course_utils.layers.conv1d`:
batch-first, time-major arrays X of shape (N, T, C_in), kernels W of shape (K, C_in, C_out), and
out[n, t, :] = b + sum_k X[n, t*s + k*d - p, :] @ W[k]. Time runs left to right; inputs are blue,
intermediate layers orange, outputs green, kernel weights red, padding and unused cells grey.
"""

from course_utils.layers import conv1d
from course_utils.figures.common import (
    BLUE, BLUE_LIGHT, FS, GREEN, GREEN_LIGHT, GREY, GREY_LIGHT, INK, MUTED, ORANGE, ORANGE_LIGHT, RED,
    _arrow, _box, _canvas, _circle, _note,
)

SERIES = [1, 3, 2, 0, -1, 2, 4, 1]  # a tiny univariate series, T = 8, C = 1
KERNEL = [0.5, 1, -0.5]  # K = 3 weights, W[k] of shape (1, 1)


def _fmt(v):
    """A number as the figures print it: integers without a decimal point, a true minus sign."""
    text = f"{v:g}"
    return text.replace("-", "−")


def _cells(ax, xs, y, texts, *, size=0.56, fc=BLUE_LIGHT, ec=BLUE, fs=FS - 1, lw=1.6):
    for x, text in zip(xs, texts):
        _box(ax, x, y, size, size, text, fc=fc, ec=ec, fs=fs, lw=lw)


def _link(ax, x0, y0, x1, y1, *, color=GREY, lw=1.0, zorder=1):
    ax.plot([x0, x1], [y0, y1], color=color, lw=lw, zorder=zorder, solid_capstyle="round")


def sliding_kernel(t_show=2):
    """A size-3 kernel over an 8-step series: every output is a weighted sum of three neighbours."""
    fig, ax = _canvas(12, 6.0)
    T, K, s = len(SERIES), len(KERNEL), 0.56
    outs = [sum(KERNEL[k] * SERIES[t + k] for k in range(K)) for t in range(T - K + 1)]
    x0, dx = 1.9, 0.78
    xs = [x0 + dx * t for t in range(T)]
    y_in, y_out = 2.25, 4.15
    # all windows, faint; the highlighted one in colour
    for t in range(len(outs)):
        xo = xs[t + 1]
        hot = t == t_show
        for k in range(K):
            _link(ax, xs[t + k], y_in + s / 2, xo, y_out - s / 2, color=RED if hot else GREY_LIGHT,
                  lw=2.0 if hot else 1.2, zorder=2 if hot else 1)
    _cells(ax, xs, y_in, [_fmt(v) for v in SERIES])
    for t, x in enumerate(xs):
        _note(ax, x, y_in - s / 2 - 0.12, f"{t}", ha="center", va="top", fs=FS - 3, color=MUTED)
    # the kernel frame on the highlighted window, its weights underneath
    a, b = xs[t_show] - s / 2 - 0.07, xs[t_show + K - 1] + s / 2 + 0.07
    _box(ax, (a + b) / 2, y_in, b - a, s + 0.16, fc="none", ec=RED, lw=2.2)
    for k in range(K):
        _note(ax, xs[t_show + k], y_in - s / 2 - 0.45, f"×{_fmt(KERNEL[k])}", ha="center", va="top", fs=FS - 1,
              color=RED)
        _note(ax, xs[t_show + k], y_in - s / 2 - 0.85, f"W[{k}]", ha="center", va="top", fs=FS - 3, color=RED)
    _arrow(ax, (b + 0.1, y_in - 0.95), (b + 0.75, y_in - 0.95), color=RED, lw=1.8)
    _note(ax, b + 0.8, y_in - 0.95, "slides one step at a time", fs=FS - 3, color=RED)
    # outputs, centred over their windows
    for t, v in enumerate(outs):
        hot = t == t_show
        _box(ax, xs[t + 1], y_out, s, s, _fmt(v), fc=GREEN if hot else GREEN_LIGHT, ec=GREEN,
             color="white" if hot else INK, fs=FS - 1)
        _note(ax, xs[t + 1], y_out + s / 2 + 0.1, f"{t}", ha="center", va="bottom", fs=FS - 3, color=MUTED)
    _note(ax, x0 - 0.55, y_in, "X[0, :, 0]", ha="right", fs=FS - 1, color=BLUE)
    _note(ax, x0 - 0.55, y_in - s / 2 - 0.2, "t", ha="right", fs=FS - 3, color=MUTED)
    _note(ax, x0 - 0.55, y_out, "out[0, :, 0]", ha="right", fs=FS - 1, color=GREEN)
    # the arithmetic and the shapes, on the right
    xr = 8.55
    _note(ax, xr, 4.6, "shapes (row / time-major):", fs=FS - 2, color=MUTED)
    _note(ax, xr, 4.2, "X: (N, T, C_in) = (1, 8, 1)", fs=FS - 2, color=BLUE)
    _note(ax, xr, 3.85, "W: (K, C_in, C_out) = (3, 1, 1)", fs=FS - 2, color=RED)
    _note(ax, xr, 3.5, "out: (N, T_out, C_out) = (1, 6, 1)", fs=FS - 2, color=GREEN)
    _note(ax, xr, 2.95, "T_out = T − K + 1 = 6", fs=FS - 2, color=MUTED)
    terms = " + ".join(f"X[0,{t_show + k},:] @ W[{k}]" for k in range(K))
    nums = " + ".join(f"({_fmt(SERIES[t_show + k])})·({_fmt(KERNEL[k])})" for k in range(K))
    _note(ax, 0.3, 0.42, f"out[0, {t_show}, :] = b + {terms}  =  0 + {nums}  =  {_fmt(outs[t_show])}",
          fs=FS - 2, color=INK)
    _note(ax, 0.3, 5.65, "a kernel of size K = 3 slides along time: each output is a weighted sum of 3 neighbours",
          fs=FS, weight="bold")
    _note(ax, 0.3, 5.2, r"out[n, t, :] = b + $\sum_k$ X[n, t + k, :] @ W[k]     (same W at every t; here b = 0)",
          fs=FS - 1, color=MUTED)
    return fig


def _strided_panel(ax, y, T, K, *, stride=1, pad=0, dil=1, title="", x0=2.75, dx=0.6, s=0.42):
    """One row of `stride_padding`: inputs (with zero padding) below, outputs above, windows as lines."""
    idx = list(range(-pad, T + pad))
    xs = {i: x0 + dx * (i + pad) for i in idx}
    T_out = conv1d.output_length(T, K, stride=stride, padding=pad, dilation=dil)
    starts = [j * stride - pad for j in range(T_out)]
    used = {st + k * dil for st in starts for k in range(K)}
    y_in, y_out = y, y + 1.05
    for j, st in enumerate(starts):
        centre = x0 + dx * (st + pad) + dx * dil * (K - 1) / 2
        color = RED if j == 0 else ORANGE
        for k in range(K):
            _link(ax, xs[st + k * dil], y_in + s / 2, centre, y_out - s / 2, color=color,
                  lw=1.8 if j == 0 else 1.1, zorder=2 if j == 0 else 1)
        _box(ax, centre, y_out, s, s, f"{j}", fc=GREEN_LIGHT, ec=GREEN, fs=FS - 3)
    for i in idx:
        if i < 0 or i >= T:
            _box(ax, xs[i], y_in, s, s, "0", fc=GREY_LIGHT, ec=GREY, fs=FS - 3, color=MUTED, lw=1.2)
        elif i in used:
            _box(ax, xs[i], y_in, s, s, f"{i}", fc=BLUE_LIGHT, ec=BLUE, fs=FS - 3)
        else:
            _box(ax, xs[i], y_in, s, s, f"{i}", fc="white", ec=GREY, fs=FS - 3, color=MUTED, lw=1.2)
            _note(ax, xs[i], y_in - s / 2 - 0.06, "unused", ha="center", va="top", fs=FS - 5, color=MUTED)
    _note(ax, 0.3, y_out - 0.05, title, fs=FS - 1, weight="bold")
    _note(ax, 0.3, y_in + 0.05, f"T = {T}, K = {K}\ns = {stride}, p = {pad}, d = {dil}", fs=FS - 3, color=MUTED)
    expr = (rf"$T_{{out}} = \lfloor ({T} + 2\cdot{pad} - {dil}\cdot({K}-1) - 1)/{stride} \rfloor + 1 = {T_out}$")
    _note(ax, 8.75, y + 0.5, expr, fs=FS - 3, color=GREEN)
    return T_out


def stride_padding():
    """The same K = 3 kernel with stride 2, with padding 1, and with both; output lengths by the formula."""
    fig, ax = _canvas(12.4, 6.5)
    T, K = 8, 3
    _strided_panel(ax, 4.2, T, K, stride=2, title="stride 2")
    _strided_panel(ax, 2.4, T, K, pad=1, title="padding 1")
    _strided_panel(ax, 0.6, T, K, stride=2, pad=1, title="stride 2 +\npadding 1")
    _note(ax, 0.3, 6.15, r"the same kernel (K = 3) with a stride and with zero padding:   "
          r"$T_{out} = \lfloor (T + 2p - d(K-1) - 1)/s \rfloor + 1$", fs=FS, weight="bold")
    _note(ax, 8.75, 5.2, "first window in red;\na window that would run\npast the end is dropped",
          fs=FS - 3, color=MUTED, va="bottom")
    _note(ax, 8.75, 3.4, "p = (K − 1)/2 keeps\nthe length (\"same\")", fs=FS - 3, color=MUTED, va="bottom")
    return fig


def _dilated_stack(ax, xs, ys, dilations, *, r=0.12, target=None, path=None, edge_lw=0.9):
    """Nodes of a K = 2 causal stack; the receptive field of `target` (layer, t) coloured.

    Each node (l, t) for l >= 1 reads (l-1, t) and (l-1, t - d_l). `path`: a list of (layer, t) drawn in red.
    Returns the set of input positions that `target` sees.
    """
    T, L = len(xs), len(dilations)
    seen = {L: {target}} if target is not None else {L: set()}
    for l in range(L, 0, -1):
        d = dilations[l - 1]
        seen[l - 1] = {u for t in seen[l] for u in (t, t - d) if u >= 0}
    path_edges = set(zip(path, path[1:])) if path else set()
    for l in range(1, L + 1):
        d = dilations[l - 1]
        for t in range(T):
            for u in (t, t - d):
                if u < 0:
                    continue
                hot = t in seen[l] and u in seen[l - 1]
                on_path = ((l - 1, u), (l, t)) in path_edges
                color = RED if on_path else (ORANGE if hot else GREY_LIGHT)
                _link(ax, xs[u], ys[l - 1] + r, xs[t], ys[l] - r, color=color,
                      lw=2.6 if on_path else (1.6 if hot else edge_lw), zorder=3 if on_path else (2 if hot else 1))
    for l in range(L + 1):
        for t in range(T):
            hot = t in seen[l]
            if l == 0:
                fc, ec = (BLUE, BLUE) if hot else ("white", GREY)
            elif l == L:
                fc, ec = (GREEN, GREEN) if hot else ("white", GREY)
            else:
                fc, ec = (ORANGE, ORANGE) if hot else ("white", GREY)
            ax.add_patch(_circle(xs[t], ys[l], fc, ec, r=r))
    return seen[0]


def causal_dilated_stack():
    """WaveNet-style stack: K = 2 causal convolutions with dilations 1, 2, 4, 8; the last output sees 16 inputs."""
    fig, ax = _canvas(12.6, 6.6)
    T, dil = 16, [1, 2, 4, 8]
    x0, dx = 2.35, 0.6
    xs = [x0 + dx * t for t in range(T)]
    ys = [1.25 + 1.0 * l for l in range(len(dil) + 1)]
    seen = _dilated_stack(ax, xs, ys, dil, target=T - 1)
    _note(ax, x0 - 0.4, ys[0], "input x", ha="right", fs=FS - 1, color=BLUE)
    for l, d in enumerate(dil, start=1):
        label = f"layer {l}: d = {d}"
        _note(ax, x0 - 0.4, ys[l], label, ha="right", fs=FS - 1, color=GREEN if l == len(dil) else ORANGE)
    _note(ax, xs[-1], ys[-1] + 0.22, r"$\hat y_{15}$", ha="center", va="bottom", fs=FS, color=GREEN)
    for t in (0, 5, 10, 15):
        _note(ax, xs[t], ys[0] - 0.2, f"{t}", ha="center", va="top", fs=FS - 3, color=MUTED)
    # the receptive field under the inputs
    yb = 0.62
    lo, hi = xs[min(seen)] - 0.15, xs[max(seen)] + 0.15
    ax.plot([lo, lo, hi, hi], [yb + 0.12, yb, yb, yb + 0.12], color=BLUE, lw=1.6)
    _note(ax, (lo + hi) / 2, yb - 0.1, f"receptive field of the last output = 1 + (2 − 1)(1 + 2 + 4 + 8) = "
          f"{len(seen)} inputs", ha="center", va="top", fs=FS - 1, color=BLUE)
    _note(ax, 0.3, 6.3, "a WaveNet-style stack: causal convolutions, K = 2, dilations 1, 2, 4, 8",
          fs=FS, weight="bold")
    _note(ax, 0.3, 5.88, "each node combines the node below it and the one d steps back; every layer is left-padded "
          "with (K − 1)·d zeros (not drawn),", fs=FS - 3, color=MUTED)
    _note(ax, 0.3, 5.6, "so it keeps length T and no output ever reads a later input. Grey: links that do not "
          "reach the last output.", fs=FS - 3, color=MUTED)
    return fig


def conv_vs_rnn():
    """Path from x_1 to the last output: T sequential steps in an RNN, log2(T) parallel layers in a conv stack."""
    fig, ax = _canvas(12.4, 7.0)
    T, size = 8, 0.5
    x0, dx = 2.3, 0.95
    xs = [x0 + dx * t for t in range(T)]
    xr = 9.9
    _note(ax, 0.3, 6.7, "how far information travels: a recurrent chain vs a dilated convolution stack",
          fs=FS, weight="bold")
    # top: the recurrent chain, its links drawn red because x_1 must cross every one of them
    y_rnn = 5.2
    _note(ax, 0.3, 6.05, "RNN", fs=FS, weight="bold", color=ORANGE)
    _note(ax, 1.05, 6.05, "T steps, here 8", fs=FS - 3, color=MUTED)
    for t, x in enumerate(xs):
        _box(ax, x, y_rnn, size, size, fc=ORANGE_LIGHT, ec=ORANGE)
        _arrow(ax, (x, y_rnn - size / 2 - 0.4), (x, y_rnn - size / 2), color=BLUE)
        _note(ax, x, y_rnn - size / 2 - 0.44, f"$x_{{{t + 1}}}$", ha="center", va="top", fs=FS - 2)
        if t + 1 < T:
            _arrow(ax, (x + size / 2, y_rnn), (xs[t + 1] - size / 2, y_rnn), color=RED, lw=2.4)
    _arrow(ax, (xs[-1], y_rnn + size / 2), (xs[-1], y_rnn + size / 2 + 0.4), color=GREEN)
    _note(ax, xs[-1] + 0.12, y_rnn + size / 2 + 0.3, r"$\hat y_8$", fs=FS - 1, color=GREEN)
    _note(ax, xr, y_rnn + 0.45, "$x_1 \\to \\hat y_8$: 8 sequential steps", fs=FS - 2, color=RED, va="top")
    _note(ax, xr, y_rnn + 0.05, "step t waits for\nstep t − 1", fs=FS - 3, color=MUTED, va="top")
    # bottom: the dilated causal stack on the same time axis
    ys = [0.9, 1.75, 2.6, 3.45]
    _note(ax, 0.3, 4.1, "conv stack", fs=FS, weight="bold", color=GREEN)
    _note(ax, 1.75, 4.1, "log$_2$ T layers, here 3", fs=FS - 3, color=MUTED)
    path = [(0, 0), (1, 1), (2, 3), (3, 7)]
    _dilated_stack(ax, xs, ys, [1, 2, 4], target=T - 1, path=path, r=0.13)
    for t in range(T):
        _note(ax, xs[t], ys[0] - 0.22, f"$x_{{{t + 1}}}$", ha="center", va="top", fs=FS - 2)
    _note(ax, xs[-1] + 0.25, ys[-1], r"$\hat y_8$", va="center", fs=FS - 1, color=GREEN)
    for l, d in enumerate([1, 2, 4], start=1):
        _note(ax, x0 - 0.35, ys[l], f"d = {d}", ha="right", fs=FS - 3, color=MUTED)
    _note(ax, xr, ys[-1] + 0.2, "$x_1 \\to \\hat y_8$: 3 layers", fs=FS - 2, color=RED, va="top")
    _note(ax, xr, ys[-1] - 0.2, "each layer computes all\nT positions at once\n(one parallel pass)",
          fs=FS - 3, color=MUTED, va="top")
    _note(ax, 0.3, 0.2, "for T = 1024: 1024 sequential steps of an RNN vs 10 layers with K = 2 and dilations "
          "1, 2, …, 512", fs=FS - 2, color=INK)
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "05_sliding_kernel": sliding_kernel,
    "05_stride_padding": stride_padding,
    "05_causal_dilated_stack": causal_dilated_stack,
    "05_conv_vs_rnn": conv_vs_rnn,
}
