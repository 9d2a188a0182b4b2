"""Chapter 03 figures: vanishing and exploding gradients, clipping, and the long-dependency task.

The plots are drawn from the numbers that `course_utils.layers.gradients` computes -- the same functions
the notebook calls -- so a figure and the notebook cell beside it always agree.
"""

import functools

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from course_utils import data
from course_utils.layers import gradients
from course_utils.models import sequence_models
from course_utils.figures.common import (
    BACK, BLUE, BLUE_LIGHT, FS, GREEN, GREEN_LIGHT, GREY, GREY_LIGHT, INK, MUTED, ORANGE, RED,
    _arrow, _box, _canvas, _note, tint,
)

ACT_COLORS = {"tanh": ORANGE, "sigmoid": BLUE, "relu": RED, "linear": GREEN}


def _style(ax):
    ax.grid(alpha=0.3, which="both")
    ax.tick_params(labelsize=FS - 3)


def scalar_chain():
    """One neuron unrolled; going back one step multiplies the gradient by phi'(a_s) * w."""
    fig, ax = _canvas(12, 4.1)
    xs, y, s, hw = [1.7, 4.3, 7.3, 9.9], 1.9, 0.8, 0.55
    names = ["$h_{T-k}$", "$h_{T-k+1}$", "$h_{T-1}$", "$h_T$"]
    inputs = ["", "$x_{T-k+1}$", "$x_{T-1}$", "$x_T$"]
    factors = [r"$\times\ \phi'(a_{T-k+1})\,w$", None, r"$\times\ \phi'(a_T)\,w$"]
    for i, (x, name) in enumerate(zip(xs, names)):
        _box(ax, x, y, 2 * hw, s, name, fs=FS)
        if inputs[i]:
            _arrow(ax, (x, y - s / 2 - 0.45), (x, y - s / 2), color=BLUE)
            _note(ax, x, y - s / 2 - 0.62, inputs[i], ha="center", fs=FS - 1)
        if i + 1 < len(xs):
            x2, gap = xs[i + 1], factors[i] is None
            _arrow(ax, (x + hw, y + 0.12), (x2 - hw, y + 0.12), color=ORANGE, ls=(0, (1, 2)) if gap else "-")
            _arrow(ax, (x2 - hw, y - 0.15), (x + hw, y - 0.15), **{**BACK, "ls": (0, (1, 2)) if gap else BACK["ls"]})
            if gap:
                _note(ax, (x + x2) / 2, y + 0.45, "⋯  k - 2 more steps  ⋯", ha="center", fs=FS - 2, color=MUTED)
            else:
                _note(ax, (x + x2) / 2, y + 0.4, r"$w$", ha="center", fs=FS - 1, color=ORANGE)
                _note(ax, (x + x2) / 2, y - 0.45, factors[i], ha="center", fs=FS - 1, color=RED)
    _note(ax, 0.3, 3.5, r"$h_t = \phi(a_t),\quad a_t = w\,h_{t-1} + u\,x_t + b$", fs=FS + 1)
    _note(ax, 6.3, 3.45, r"$\partial h_T/\partial h_{T-k} \;=\; \prod_{s=T-k+1}^{T}\ \phi'(a_s)\, w$",
          fs=FS + 2, color=RED)
    _note(ax, 0.3, 0.3, "k steps back = k factors.  All smaller than 1 in size: the product vanishes like a power."
          "  All larger than 1: it explodes.", fs=FS - 2, color=MUTED)
    return fig


def activation_derivatives():
    """The four activations and their derivatives; the derivative caps every factor of the product."""
    a = np.linspace(-5, 5, 401)
    fig = Figure(figsize=(12, 3.4))
    axes = fig.subplots(1, 4, sharey=True)
    caps = {"tanh": "max 1 (at a = 0)", "sigmoid": "max 1/4 (at a = 0)", "relu": "0 or 1", "linear": "always 1"}
    for ax, name in zip(axes, ["tanh", "sigmoid", "relu", "linear"]):
        col = ACT_COLORS[name]
        ax.plot(a, gradients.ACTIVATIONS[name](a), color=GREY, lw=1.5, label=r"$\phi(a)$")
        ax.plot(a, gradients.DERIVATIVES[name](a), color=col, lw=2.5, label=r"$\phi'(a)$")
        ax.set_title(f"{name}: $\\phi'$ {caps[name]}", fontsize=FS - 1)
        ax.set_xlabel("pre-activation $a$", fontsize=FS - 2)
        ax.set_ylim(-1.2, 1.6)
        ax.axhline(0, color=GREY, lw=0.8)
        _style(ax)
    axes[0].legend(fontsize=FS - 3, loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def _scalar_curves(w, T=40, seed=0):
    x = 0.5 * np.random.default_rng(seed).normal(size=T)  # the same inputs for all four activations
    return {name: np.abs(gradients.scalar_gradients(x, w, activation=name)) for name in ACT_COLORS}


def scalar_decay():
    """|dh_T/dh_{T-k}| against k in the one-neuron model, for w = 1 and w = 1.5 (measured)."""
    fig = Figure(figsize=(12, 3.9))
    axes = fig.subplots(1, 2, sharey=True)
    styles = {"linear": dict(lw=4, alpha=0.55), "relu": dict(lw=2, ls="--"), "tanh": dict(lw=2.2),
              "sigmoid": dict(lw=2.2)}
    for ax, w in zip(axes, [1.0, 1.5]):
        curves = _scalar_curves(w)
        for name in ["linear", "relu", "tanh", "sigmoid"]:
            g, k = curves[name], np.arange(len(curves[name]))
            ax.plot(k, np.where(g > 0, g, np.nan), color=ACT_COLORS[name], label=name, **styles[name])
            if np.any(g == 0):  # a dead relu: the gradient is exactly zero from here on
                k0 = int(np.argmax(g == 0))
                ax.axvline(k0, color=ACT_COLORS[name], ls=":", lw=1.5)
                ax.text(k0 + 0.5, 1e-4, f"relu: exactly 0\nfrom k = {k0}", fontsize=FS - 3, color=ACT_COLORS[name])
        ax.set_yscale("log")
        ax.set_ylim(1e-20, 1e9)
        ax.set_title(f"recurrent weight w = {w:g}", fontsize=FS)
        ax.set_xlabel("steps back $k$", fontsize=FS - 1)
        _style(ax)
    axes[0].set_ylabel(r"$|\partial h_T/\partial h_{T-k}|$", fontsize=FS)
    axes[1].legend(fontsize=FS - 3, loc="lower left", ncol=2)
    fig.suptitle("one neuron, 40 steps of inputs x ~ N(0, 0.5²), u = 1, b = 0: the same inputs for every activation",
                 fontsize=FS - 2, color=MUTED)
    fig.tight_layout()
    return fig


def _norms_from_start(radius, activation, input_scale, *, T=60, H=32, N=8, seed=0):
    """Median over N sequences of ||dh_t/dh_0||_2 for t = 1..T (orthogonal W_hh of the given radius)."""
    rng = np.random.default_rng(seed)
    params = {"W_xh": rng.normal(size=(4, H)) / 2, "W_hh": gradients.recurrent_weights(H, radius, seed=seed),
              "b_h": np.zeros(H)}
    X = input_scale * rng.normal(size=(N, T, 4))  # each unit's input term has standard deviation input_scale
    P = gradients.jacobians_from_start(X, params, activation=activation)
    return np.median(gradients.jacobian_norms(P), axis=0)


RADII = (0.5, 0.9, 1.0, 1.1, 1.5)


def gradient_norms():
    """||dh_t/dh_0|| against t for several spectral radii of W_hh: linear layer, tanh with weak and strong inputs."""
    fig = Figure(figsize=(13.5, 4.1))
    axes = fig.subplots(1, 3, sharey=True)
    colors = [BLUE, tint(BLUE, 0.5), INK, tint(RED, 0.5), RED]  # radius < 1 blue, 1 black, > 1 red
    t = np.arange(1, 61)
    panels = [("linear", 1.0, "linear layer"), ("tanh", 0.1, "tanh, weak inputs (scale 0.1)"),
              ("tanh", 1.0, "tanh, strong inputs (scale 1)")]
    for ax, (activation, scale, title) in zip(axes, panels):
        for radius, col in zip(RADII, colors):
            ax.plot(t, _norms_from_start(radius, activation, scale), color=col, lw=2.2, label=f"radius {radius:g}")
        ax.set_yscale("log")
        ax.set_ylim(1e-18, 1e11)
        ax.set_xlabel("time step $t$", fontsize=FS - 1)
        ax.set_title(title, fontsize=FS - 1)
        _style(ax)
    axes[0].set_ylabel(r"$\|\partial h_t/\partial h_0\|_2$", fontsize=FS)
    axes[0].legend(fontsize=FS - 3, loc="lower left")
    fig.suptitle("H = 32, orthogonal W_hh scaled to each spectral radius; exact Jacobian products"
                 " (gradients.jacobians_from_start), median of 8 input sequences", fontsize=FS - 2, color=MUTED)
    fig.tight_layout()
    return fig


def _clip_by_value(g, c):
    return np.clip(g, -c, c)


def clip_geometry():
    """Clipping by norm shortens the gradient and keeps its direction; clipping each entry turns it."""
    fig, ax = _canvas(8.4, 4.9)
    o, scale, c = np.array([1.9, 1.9]), 0.75, 2.0  # origin, inches per unit, threshold
    g = np.array([4.8, 2.0])
    by_norm, norm = gradients.clip_by_norm(g, c)
    by_value = _clip_by_value(g, c)
    ax.add_patch(Circle(o, c * scale, fc=GREEN_LIGHT, ec=GREEN, lw=1.5, alpha=0.8))
    ax.add_patch(Rectangle(o - c * scale, 2 * c * scale, 2 * c * scale, fill=False, ec=BLUE, lw=1.2, ls=(0, (3, 3))))
    for vec, col, lw in [(g, INK, 2.2), (by_value, BLUE, 2.2), (by_norm, GREEN, 3.2)]:
        _arrow(ax, o, o + vec * scale, color=col, lw=lw)
    tip = o + g * scale
    _note(ax, tip[0] + 0.1, tip[1] - 0.05, f"gradient $g$ = ({g[0]:g}, {g[1]:g})\n" rf"$\|g\|$ = {norm:.1f}",
          fs=FS - 1)
    _note(ax, 2.4, 3.95, f"clip each entry to [-{c:g}, {c:g}]: ({by_value[0]:g}, {by_value[1]:g})\n"
          "the direction turns by "
          f"{np.degrees(np.arctan2(by_value[1], by_value[0]) - np.arctan2(g[1], g[0])):.0f}°",
          fs=FS - 2, color=BLUE)
    _note(ax, 3.7, 1.55, f"clip the norm to {c:g}: $g \\cdot {c:g}/\\|g\\|$ = ({by_norm[0]:.2f}, {by_norm[1]:.2f})\n"
          "same direction, length 2", fs=FS - 2, color=GREEN)
    _note(ax, o[0], o[1] - c * scale - 0.2, rf"$\|g\| \leq {c:g}$", ha="center", fs=FS - 2, color=GREEN)
    ax.plot(*o, "o", color=INK, ms=4)
    _note(ax, 0.2, 4.6, "clipping by norm keeps the direction", fs=FS + 1, weight="bold")
    return fig


@functools.lru_cache(maxsize=4)  # a few seconds of training: draw it once per process
def clipping_runs(T=20, seed=0):
    """Training curves of one tanh RNN with a too-large W_hh (radius 2), plain SGD, with and without clipping."""
    import torch

    histories = {}
    # One thread: for a model this small a second thread only adds overhead, and it runs many times
    # slower when another process wants the core. The setting and torch's random state are restored.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng():
            for max_norm in (None, 1.0):
                torch.manual_seed(seed)
                train = data.recall_first_symbol(1000, T, seed=1000 + seed)
                model = sequence_models.LastStateModel(train.X.shape[2], 32, 4)
                with torch.no_grad():
                    W = gradients.recurrent_weights(32, 2.0, seed=seed, kind="gaussian")
                    model.recurrent.weight_hh_l0.copy_(torch.from_numpy(W.T))  # torch stores W_hh transposed
                histories[max_norm] = sequence_models.fit_classifier(model, train.X, train.y, epochs=10, lr=0.1,
                                                                     optimizer="sgd", max_norm=max_norm, seed=seed)
    finally:
        torch.set_num_threads(threads)
    return histories


def clipping():
    """Loss and gradient norm per update, with and without clipping (measured, from fit_classifier)."""
    runs = clipping_runs()
    fig = Figure(figsize=(11.5, 3.5))
    axes = fig.subplots(1, 2)
    styles = {None: ("no clipping", RED), 1.0: ("clipped to norm 1", GREEN)}
    for max_norm, history in runs.items():
        label, col = styles[max_norm]
        axes[0].plot(history.loss, color=col, lw=1.1, label=label)
        axes[1].plot(history.grad_norm, color=col, lw=0.9, label=label)
    axes[1].axhline(1.0, color=INK, ls=":", lw=1)
    axes[0].set(xlabel="update", ylabel="training loss (cross-entropy)")
    axes[1].set(xlabel="update", ylabel="gradient norm before clipping", yscale="log")
    for ax in axes:
        ax.xaxis.label.set_size(FS - 2)
        ax.yaxis.label.set_size(FS - 2)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=FS - 3)
    axes[0].axhline(np.log(4), color=GREY, ls=":", lw=1)
    axes[0].text(318, 1.8, "guessing: ln 4", fontsize=FS - 3, color=MUTED, ha="right")
    norms = np.array(runs[None].grad_norm)
    spike = int(np.argmax(norms))  # the largest unclipped step
    axes[1].annotate(f"norm {norms[spike]:.0f}", (spike, norms[spike]), (spike + 40, norms[spike] * 1.1),
                     fontsize=FS - 3, color=RED, arrowprops=dict(arrowstyle="-", color=RED))
    losses = np.array(runs[None].loss)
    best = int(np.argmin(losses[:spike]))
    axes[0].annotate(f"loss {losses[best]:.2f} at update {best}; then steps of norm\n"
                     f"up to {norms[spike]:.0f} (update {spike}): back to guessing",
                     (best + 2, losses[best]), (best + 22, 0.7), fontsize=FS - 3, color=RED,
                     arrowprops=dict(arrowstyle="-", color=RED))
    axes[1].legend(fontsize=FS - 3, loc="upper right")
    axes[1].set_ylim(top=200)
    fig.suptitle("tanh RNN (H = 32) with W_hh of spectral radius 2, plain SGD (lr 0.1), recall task, T = 20",
                 fontsize=FS - 2, color=MUTED)
    fig.tight_layout()
    return fig


def recall_task(T=9):
    """The long-dependency task: name the first symbol after T - 1 distractors."""
    fig, ax = _canvas(12, 3.9)
    task = data.recall_first_symbol(1, T, seed=5)
    symbols = "ABCD"
    y = int(task.y[0])
    xs = [1.0 + 0.95 * t for t in range(T)]
    for t, x in enumerate(xs):
        hot = int(np.argmax(task.X[0, t]))
        first = t == 0
        label = symbols[hot] if first else str(hot - 4 + 1)
        _box(ax, x, 1.0, 0.62, 0.62, label, fc=BLUE_LIGHT if first else GREY_LIGHT, ec=BLUE if first else GREY,
             fs=FS + 2 if first else FS - 1, color=INK if first else MUTED)
        _box(ax, x, 2.1, 0.5, 0.5, "", fs=FS - 2)
        _arrow(ax, (x, 1.32), (x, 1.85), color=BLUE if first else GREY)
        if t + 1 < T:
            _arrow(ax, (x + 0.25, 2.1), (xs[t + 1] - 0.25, 2.1), color=ORANGE)
    _arrow(ax, (xs[-1] + 0.25, 2.1), (xs[-1] + 0.95, 2.1), color=GREEN)
    _box(ax, xs[-1] + 1.5, 2.1, 1.0, 0.55, f"“{symbols[y]}”", fc=GREEN_LIGHT, ec=GREEN, fs=FS + 1)
    ax.annotate("", xy=(xs[0], 2.55), xytext=(xs[-1] + 1.5, 2.55),
                arrowprops=dict(arrowstyle="-|>", color=RED, lw=1.8, ls="--", connectionstyle="arc3,rad=0.18"))
    _note(ax, (xs[0] + xs[-1]) / 2 + 0.6, 3.55, f"the gradient must cross T - 1 = {T - 1} recurrent steps",
          ha="center", fs=FS - 1, color=RED)
    _note(ax, 0.2, 0.3, "step 1: one of 4 symbols to remember (blue);  steps 2..T: random distractors 1-4 (grey);"
          "  answer at the end.  Guessing: 25 %", fs=FS - 2, color=MUTED)
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "03_scalar_chain": scalar_chain,
    "03_activation_derivatives": activation_derivatives,
    "03_scalar_decay": scalar_decay,
    "03_gradient_norms": gradient_norms,
    "03_clip_geometry": clip_geometry,
    "03_clipping": clipping,
    "03_recall_task": recall_task,
}
