"""Chapter 02 figures: backpropagation through time, truncation, and shared-weight gradients.

Forward computation is drawn in the course colours (inputs blue, states orange, losses green);
everything that flows backwards -- gradients -- is drawn in red, dashed.
"""

import numpy as np
from matplotlib.patches import FancyBboxPatch

from course_utils.layers import rnn
from course_utils.figures.common import (
    BACK, BLUE, DIVERGING, FS, GREEN, GREEN_LIGHT, GREY, GREY_LIGHT, INK, MUTED, ORANGE, ORANGE_LIGHT, RED,
    _arrow, _box, _canvas, _chain, _note,
)



def _losses(ax, xs, y_cell, size, *, y_loss, labels, fs=FS - 1):
    """A green loss box above each cell, an output arrow into it and a red gradient arrow back."""
    for x, label in zip(xs, labels):
        if label is None:
            continue
        _box(ax, x, y_loss, 0.75, 0.42, label, fc=GREEN_LIGHT, ec=GREEN, fs=fs)
        _arrow(ax, (x - 0.12, y_cell + size / 2), (x - 0.12, y_loss - 0.21), color=GREEN)
        _arrow(ax, (x + 0.12, y_loss - 0.21), (x + 0.12, y_cell + size / 2), **BACK)


def unrolled_bptt():
    """The unrolled RNN as a deep network: forward arrows, and the gradients flowing back through it."""
    fig, ax = _canvas(12, 5.6)
    xs, y, s = [2.4, 4.8, 7.2, 9.6], 2.55, 0.8
    _chain(ax, xs, y, size=s, text=r"$\tanh$", fs=FS + 1, arrow_len=0.55, h0=r"$h_0$",
           ins=[f"$x_{i}$" for i in range(1, 5)])
    _losses(ax, xs, y, s, y_loss=4.35, labels=[f"$L_{i}$" for i in range(1, 5)])
    for i, x in enumerate(xs):
        _note(ax, x - s / 2 + 0.05, y + s / 2 + 0.18, f"$h_{i + 1}$", fs=FS - 1, ha="right")
    # backward through time: from cell t+1 to cell t, under the forward link
    for i, (a, b) in enumerate(zip(xs[1:], xs[:-1]), start=1):
        _arrow(ax, (a - s / 2, y - 0.22), (b + s / 2, y - 0.22), **BACK)
        _note(ax, (a + b) / 2, y - 0.5, rf"$\times\,\partial h_{i + 1}/\partial h_{i}$", ha="center", fs=FS - 2,
              color=RED)
    _arrow(ax, (xs[0] - s / 2, y - 0.22), (xs[0] - s / 2 - 0.55, y - 0.22), **BACK)
    _note(ax, xs[0] - s / 2 - 0.6, y - 0.47, r"$\partial L/\partial h_0$", ha="right", fs=FS - 3, color=RED)
    # where the gradient at each state comes from
    _note(ax, xs[2] + 0.3, 3.55, r"$\partial L_3/\partial h_3$", fs=FS - 3, color=RED)
    _note(ax, 0.3, 5.3, "forward: compute and store $h_1, \\dots, h_T$", fs=FS, color=INK)
    _note(ax, 6.4, 5.3, "backward: gradients (red, dashed) flow right to left", fs=FS, color=RED)
    _note(ax, 0.3, 0.5, r"gradient at $h_t$  =  $\partial L_t/\partial h_t$  (its own loss)  +  "
          r"gradient at $h_{t+1}$ $\times$ $\partial h_{t+1}/\partial h_t$  (all later losses)",
          fs=FS - 1, color=INK)
    _note(ax, 0.3, 0.12, r"$L = L_1 + L_2 + L_3 + L_4$;  the same $W_{xh}, W_{hh}, b_h$ at every step,"
          " so their gradient is a sum over the steps", fs=FS - 2, color=MUTED)
    return fig


def truncated_bptt(k=3, t_loss=8, n=10):
    """Full BPTT versus truncated BPTT with horizon k, for the loss at one step t."""
    fig, ax = _canvas(12.6, 7.3)
    xs = [1.3 + 1.1 * i for i in range(n)]
    s = 0.5

    def row(y, title, horizon):
        first = 0 if horizon is None else t_loss - 1 - horizon  # index of the earliest cell reached
        for i, x in enumerate(xs):
            on = first <= i <= t_loss - 1
            _box(ax, x, y, s, s, f"{i + 1}", fc=ORANGE_LIGHT if on else GREY_LIGHT, ec=ORANGE if on else GREY,
                 fs=FS - 3, color=INK if on else MUTED)
            _arrow(ax, (x, y - s / 2 - 0.35), (x, y - s / 2), color=BLUE if on else GREY)
            if i + 1 < n:
                _arrow(ax, (x + s / 2, y), (xs[i + 1] - s / 2, y), color=ORANGE)
        _arrow(ax, (xs[0] - s / 2 - 0.45, y), (xs[0] - s / 2, y), color=ORANGE)
        _note(ax, xs[0] - s / 2 - 0.5, y, "$h_0$", ha="right", fs=FS - 2)
        x_loss = xs[t_loss - 1]
        _box(ax, x_loss, y + 1.0, 0.75, 0.4, f"$L_{{{t_loss}}}$", fc=GREEN_LIGHT, ec=GREEN, fs=FS - 1)
        _arrow(ax, (x_loss + 0.1, y + 0.8), (x_loss + 0.1, y + s / 2), **BACK)
        for i in range(t_loss - 1, first, -1):  # one red arrow per recurrent transition crossed
            _arrow(ax, (xs[i] - s / 2, y - 0.17), (xs[i - 1] + s / 2, y - 0.17), **BACK)
        if horizon is None:
            _arrow(ax, (xs[0] - s / 2, y - 0.17), (xs[0] - s / 2 - 0.4, y - 0.17), **BACK)
        else:  # the cut: h_{t-k-1} is a constant for this loss
            xc = (xs[first] + xs[first - 1]) / 2
            ax.plot([xc, xc], [y - 0.55, y + 0.55], color=RED, lw=2.5)
            _note(ax, xc, y + 0.75, rf"$h_{{{t_loss - horizon - 1}}}$ treated" "\nas a constant", ha="center",
                  fs=FS - 3, color=RED)
            y_b = y - 1.0  # a bracket under the steps that the loss still reaches
            ax.plot([xs[first], xs[first], xs[t_loss - 1], xs[t_loss - 1]], [y_b + 0.1, y_b, y_b, y_b + 0.1],
                    color=RED, lw=1.5)
            _note(ax, (xs[first] + xs[t_loss - 1]) / 2, y_b - 0.25,
                  f"k = {horizon} transitions back: steps {t_loss - horizon} to {t_loss} get gradient",
                  ha="center", fs=FS - 2, color=RED)
        _note(ax, 0.25, y + 1.45, title, fs=FS + 1, weight="bold")

    row(5.3, f"full BPTT: the loss at step {t_loss} reaches every earlier step", None)
    row(2.45, f"truncated, k = {k}: the loss at step {t_loss} reaches steps {t_loss - k} to {t_loss} only", k)
    _note(ax, 0.25, 0.75, f"grey steps get no gradient from $L_{{{t_loss}}}$: a dependency longer than k steps"
          " cannot be learned from it.", fs=FS - 1, color=INK)
    _note(ax, 0.25, 0.3, "every loss $L_t$ has its own window, steps t - k to t: a smaller k makes the backward"
          " pass cheaper, and blind beyond k steps.", fs=FS - 2, color=MUTED)
    return fig


def _step_contributions(seed=3, N=1, T=4, D=2, H=4):
    """dW_hh split by time step: contribution t is h_{t-1}.T @ da_t, from rnn_step_backward.

    A tanh layer with a non-zero h_0 and a loss on every state, L = sum_t sum(h_t * g_t) for
    random g_t. Returns (T, H, H); the contributions sum to rnn_backward's dW_hh.
    """
    rng = np.random.default_rng(seed)
    params = {"W_xh": rng.normal(size=(D, H)), "W_hh": rng.normal(size=(H, H)) * 0.6, "b_h": rng.normal(size=H) * 0.2}
    X, h = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)) * 0.8
    caches = []
    for t in range(T):
        h, cache = rnn.rnn_step_forward(X[:, t], h, params)
        caches.append(cache)
    dout = rng.normal(size=(N, T, H))  # dL/dh_t for every step
    dh_next, parts = np.zeros((N, H)), []
    for t in reversed(range(T)):
        g = rnn.rnn_step_backward(dout[:, t] + dh_next, caches[t])
        parts.append(g["W_hh"])
        dh_next = g["h_prev"]
    return np.array(parts[::-1])


def shared_weight_gradients():
    """The gradient of the shared W_hh is the sum of one contribution per time step (real numbers)."""
    parts = _step_contributions()
    total = parts.sum(axis=0)
    vmax = np.abs(np.concatenate([parts.ravel(), total.ravel()])).max()
    fig, ax = _canvas(12.4, 4.9)
    T, cell = len(parts), 0.32
    xs = [1.0 + 2.2 * i for i in range(T)]
    _chain(ax, [x + 2 * cell for x in xs], 3.45, size=0.5, ins=[f"$x_{i}$" for i in range(1, T + 1)],
           outs=[f"$L_{i}$" for i in range(1, T + 1)], arrow_len=0.25, fs=FS - 1, h0="$h_0$",
           link_labels=[r"$W_{hh}$"] * (T - 1))
    cmap = DIVERGING

    def heat(x0, y0, M, label):
        for (r, c), v in np.ndenumerate(M):
            ax.add_patch(FancyBboxPatch((x0 + c * cell, y0 - (r + 1) * cell), cell, cell,
                                        boxstyle="square,pad=0", fc=cmap(0.5 + 0.5 * v / vmax), ec="white", lw=1))
        _note(ax, x0 + 2 * cell, y0 - 4 * cell - 0.3, label, ha="center", fs=FS - 2)

    for t, x in enumerate(xs):
        heat(x, 2.4, parts[t], rf"step {t + 1}: $h_{{{t}}}^\top\,\partial L/\partial a_{{{t + 1}}}$")
        _note(ax, x + 4 * cell + 0.5, 2.4 - 2 * cell, "+" if t + 1 < T else "=", ha="center", fs=FS + 6)
    heat(xs[-1] + 2.2, 2.4, total, r"$\partial L/\partial W_{hh}$")
    _note(ax, 0.3, 0.3, "a tanh layer with H = 4 and a loss at every step; each step's share comes from"
          " rnn_step_backward.  red > 0, blue < 0", fs=FS - 2, color=MUTED)
    _note(ax, 0.3, 4.6, "one weight matrix, used at every step: its gradient is the sum of the steps' shares",
          fs=FS + 1, weight="bold")
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "02_unrolled_bptt": unrolled_bptt,
    "02_truncated_bptt": truncated_bptt,
    "02_shared_weight_gradients": shared_weight_gradients,
}
