"""Chapter 09 figures: the scan's sweeps unrolled, work against depth, what minGRU's gates see, state against cache.

The numbers in the work-and-depth plot come from `layers.linear_recurrence.scan_work_depth`, the same count
the notebook prints; the sweep diagram is drawn from the offsets the scan uses (1, 2, 4, ...).
"""

import numpy as np
from matplotlib.figure import Figure

from course_utils.figures.common import (
    BLUE, BLUE_LIGHT, FS, GREEN, GREEN_LIGHT, GREY, INK, MUTED, ORANGE, ORANGE_LIGHT, PURPLE, PURPLE_LIGHT, RED,
    _arrow, _box, _canvas, _note,
)
from course_utils.layers.linear_recurrence import scan_work_depth

# ---------------------------------------------------------------- the scan's sweeps


def scan(T=8):
    """T steps, ceil(log2 T) sweeps: in sweep k every entry t >= 2**k combines with entry t - 2**k."""
    sweeps = scan_work_depth(T)[1]
    fig, ax = _canvas(13, 2.0 + 1.45 * (sweeps + 1))
    dx, x0, s = 1.35, 1.9, 0.62
    xs = [x0 + dx * t for t in range(T)]
    ys = [1.45 * (sweeps + 1) + 0.3 - 1.45 * k for k in range(sweeps + 1)]
    for k, y in enumerate(ys):
        reach = 2**k
        for t, x in enumerate(xs):
            first = max(1, t + 2 - reach)
            done = first == 1
            label = f"{t + 1}" if first == t + 1 else f"{first}..{t + 1}"
            _box(ax, x, y, s * 1.45, s, label, fc=GREEN_LIGHT if done else ORANGE_LIGHT, ec=GREEN if done else ORANGE,
                 fs=FS - 2)
        name = "steps (a_t, b_t)" if k == 0 else f"after sweep {k}"
        _note(ax, 0.15, y, name, fs=FS - 2, color=MUTED)
        if k < sweeps:
            offset = 2**k
            for t, x in enumerate(xs):
                _arrow(ax, (x, y - s / 2), (x, ys[k + 1] + s / 2), color=GREY, lw=1.0)
                if t >= offset:
                    _arrow(ax, (xs[t - offset], y - s / 2), (x - 0.12, ys[k + 1] + s / 2), color=BLUE, lw=1.4)
            _note(ax, xs[-1] + 0.75, (y + ys[k + 1]) / 2, f"offset {offset}", fs=FS - 2, color=BLUE)
    _note(ax, 0.15, 0.75, "each box: the steps its prefix composes so far; green = finished (it starts at step 1). "
          "Blue arrow: one combine (a, b) o (a', b') = (a a', a' b + b').", fs=FS - 3, color=INK)
    _note(ax, 0.15, 0.3, f"{T} steps: {sweeps} sweeps of independent combines, {scan_work_depth(T)[0]} combines "
          f"in all; the loop needs {T - 1} combines, each waiting for the one before.", fs=FS - 3, color=INK)
    return fig


# ---------------------------------------------------------------- work against depth


def work_depth(lengths=tuple(2**k for k in range(4, 15))):
    """Combines (work) and dependent rounds (depth) of the loop and the scan against T, on log axes."""
    lengths = np.array(list(lengths))
    scans = np.array([scan_work_depth(int(T)) for T in lengths])
    fig = Figure(figsize=(11, 4.2))
    left, right = fig.subplots(1, 2)
    left.loglog(lengths, lengths - 1, "o-", color=ORANGE, label="loop: T - 1")
    left.loglog(lengths, scans[:, 0], "s-", color=BLUE, label="scan: about T log2 T")
    left.set(title="work: combines in all", xlabel="T (steps)")
    right.loglog(lengths, lengths - 1, "o-", color=ORANGE, label="loop: T - 1")
    right.loglog(lengths, scans[:, 1], "s-", color=BLUE, label="scan: ceil(log2 T)")
    right.set(title="depth: rounds that must wait for the previous one", xlabel="T (steps)")
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=FS - 3)
        ax.title.set_fontsize(FS - 1)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- what the gates see


def gates(T=4):
    """GRU: gates and candidate read h_{t-1}, so step t waits for step t - 1. minGRU: they read x_t only."""
    fig, ax = _canvas(13.6, 5.6)
    for title, y, reads_h in (("GRU (chapter 04)", 4.1, True), ("minGRU", 1.55, False)):
        _note(ax, 0.2, y + 1.0, title, fs=FS, color=INK)
        xs = [1.2 + 2.2 * t for t in range(T)]
        for t, x in enumerate(xs):
            _box(ax, x, y - 0.75, 0.8, 0.4, f"x_{t + 1}", fc=BLUE_LIGHT, ec=BLUE, fs=FS - 2)
            _box(ax, x, y, 1.1, 0.5, "z, h~", fc=PURPLE_LIGHT, ec=PURPLE, fs=FS - 2)
            _box(ax, x + 1.15, y + 0.7, 0.7, 0.42, f"h_{t + 1}", fc=ORANGE_LIGHT, ec=ORANGE, fs=FS - 2)
            _arrow(ax, (x, y - 0.55), (x, y - 0.25), color=BLUE)
            _arrow(ax, (x + 0.3, y + 0.25), (x + 0.85, y + 0.55), color=PURPLE)
            if t:
                prev = (xs[t - 1] + 1.5, y + 0.7)
                _arrow(ax, prev, (x + 0.8, y + 0.7), color=ORANGE)  # h_{t-1} -> h_t: the mix
                if reads_h:
                    _arrow(ax, (xs[t - 1] + 1.3, y + 0.5), (x - 0.4, y + 0.2), color=RED, lw=2.0)
        if reads_h:
            _note(ax, xs[-1] + 1.9, y, "red: z_t, r_t and h~_t need h_{t-1}:\n"
                  "step t cannot start\nbefore step t - 1 ends", fs=FS - 1, color=RED)
        else:
            _note(ax, xs[-1] + 1.9, y, "z_t, h~_t from x_t alone:\nevery step's (a_t, b_t) in one\n"
                  "matrix product; only\nh_t = a_t h_{t-1} + b_t is left:\na scan", fs=FS - 1, color=GREEN)
    return fig


# ---------------------------------------------------------------- state against cache


def state_vs_cache(n=(4, 8, 16, 32)):
    """What each model keeps to write the next character: a fixed state, or the keys and values of every position."""
    fig, ax = _canvas(14.5, 4.6)
    _note(ax, 0.2, 4.2, "RNN (LSTM, minGRU): after n characters it keeps one state of fixed size", fs=FS - 1)
    _note(ax, 0.2, 2.3, "transformer: it keeps a key and a value for every character read (its cache)", fs=FS - 1)
    x = 0.6
    for length in n:
        _box(ax, x + 0.4, 3.5, 0.8, 0.6, "h", fc=ORANGE_LIGHT, ec=ORANGE, fs=FS - 2)
        _note(ax, x + 0.4, 3.0, f"n = {length}", ha="center", fs=FS - 3, color=MUTED)
        w = 0.1
        for j in range(length):
            _box(ax, x + w * (j + 0.5), 1.55, w * 0.85, 0.5, "", fc=GREEN_LIGHT, ec=GREEN, lw=0.8)
        _note(ax, x, 1.0, f"n = {length}: {length} keys + {length} values", fs=FS - 3, color=MUTED)
        x += max(3.0, w * length + 0.9)
    _note(ax, 0.2, 0.4, "cost of the next character: the RNN updates h (the same work every time); the transformer "
          "attends over the n cached positions (work grows with n)", fs=FS - 3, color=INK)
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "09_scan": scan,
    "09_work_depth": work_depth,
    "09_gates": gates,
    "09_state_vs_cache": state_vs_cache,
}
