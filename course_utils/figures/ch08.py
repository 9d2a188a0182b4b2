"""Chapter 08 figures: next-character targets, stream batching across windows, and temperature.

The characters are real ones: a line of Hamlet from `course_utils.data.shakespeare`, and the counts of
the character that follows "th" in the complete works (the logits of the temperature figure). A
space is drawn as "␣" and a line break as "↵", so that every character has a visible cell.
"""

import functools

import numpy as np
from matplotlib.figure import Figure

from course_utils.data import shakespeare
from course_utils.nlp import sampling
from course_utils.figures.common import (
    BACK, BLUE, BLUE_LIGHT, FS, GREEN, GREEN_LIGHT, GREY, INK, MUTED, ORANGE, RED, RED_LIGHT,
    _arrow, _box, _canvas, _note,
)

LINE = "To be, or not to be,--that is the question:--\nWhether 'tis nobler"
STREAM_COLORS = [(BLUE_LIGHT, BLUE), (RED_LIGHT, RED), (GREEN_LIGHT, GREEN)]


@functools.lru_cache(maxsize=1)
def _hamlet_line():
    """LINE, read from the corpus (so the figure shows text the model really trains on)."""
    text = shakespeare.text()
    start = text.find(LINE)
    if start < 0:
        raise ValueError(f"the corpus no longer contains {LINE[:20]!r}...")
    return text[start : start + len(LINE)]


def _show(ch):
    return {" ": "␣", "\n": "↵"}.get(ch, ch)


def _char(ax, x, y, ch, *, size=0.42, fc=BLUE_LIGHT, ec=BLUE, fs=FS):
    """One character in a square cell centred on (x, y)."""
    _box(ax, x, y, size, size, fc=fc, ec=ec, lw=1.3)
    ax.text(x, y, _show(ch), ha="center", va="center", fontsize=fs, color=INK, family="monospace")


def _bracket(ax, x0, x1, y, label, *, color=INK, below=True, fs=FS - 2):
    """A square bracket from x0 to x1 at height y, labelled below it (ticks up) or above it (ticks down)."""
    tick, pad = (0.1, -0.07) if below else (-0.1, 0.07)
    ax.plot([x0, x0, x1, x1], [y + tick, y, y, y + tick], color=color, lw=1.4)
    _note(ax, (x0 + x1) / 2, y + pad, label, ha="center", va="top" if below else "bottom", fs=fs, color=color)


# ---------------------------------------------------------------- the shifted targets


def shifted_targets(T=13):
    """Inputs x_1..x_T are characters t..t+T-1 of the text, targets y_1..y_T the next character of each."""
    text = _hamlet_line()[: T + 1]
    fig, ax = _canvas(13, 6.4)
    dx, x0, s = 0.82, 1.9, 0.46
    xs = [x0 + dx * t for t in range(T)]

    # the text as one strip, with the input and target slices marked
    y_text = 5.55
    for i, ch in enumerate(text):
        _char(ax, x0 + dx * i, y_text, ch, size=s, fc="white", ec=GREY)
    _note(ax, x0 - 0.45, y_text, "text", ha="right", fs=FS)
    _bracket(ax, xs[0] - s / 2, xs[-1] + s / 2, y_text + 0.42, f"inputs: characters 1 to {T}", color=BLUE,
             below=False)
    _bracket(ax, xs[0] + dx - s / 2, xs[-1] + dx + s / 2, y_text - 0.42,
             f"targets: characters 2 to {T + 1}, the same text shifted by one", color=GREEN)

    # the unrolled recurrent layer: input below, target above, state passed to the right
    y_in, y_cell, y_out = 1.0, 2.35, 3.75
    for t, x in enumerate(xs):
        _char(ax, x, y_in, text[t], size=s)
        _arrow(ax, (x, y_in + s / 2), (x, y_cell - 0.25), color=BLUE)
        _box(ax, x, y_cell, 0.5, 0.5)
        _arrow(ax, (x, y_cell + 0.25), (x, y_out - s / 2), color=GREEN)
        _char(ax, x, y_out, text[t + 1], size=s, fc=GREEN_LIGHT, ec=GREEN)
        if t + 1 < T:
            _arrow(ax, (x + 0.25, y_cell), (xs[t + 1] - 0.25, y_cell), color=ORANGE)
    _arrow(ax, (xs[0] - 0.8, y_cell), (xs[0] - 0.25, y_cell), color=ORANGE)
    _note(ax, xs[0] - 0.85, y_cell, "$h_0$", ha="right", fs=FS - 1)
    _note(ax, 0.2, y_in, "input $x_t$", fs=FS - 1, color=BLUE)
    _note(ax, 0.2, y_out, "target $y_t$", fs=FS - 1, color=GREEN)
    _note(ax, xs[-1] + 0.45, y_cell, "LSTM", fs=FS - 1, color=ORANGE)
    _note(ax, 0.2, 4.5, r"at every step: a softmax over the V characters, and the loss $-\log_2 p(y_t)$;"
          r"  $y_t = x_{t+1}$", fs=FS - 1)
    _note(ax, 0.2, 0.3, "one sequence in, one sequence out: the loss is the mean over the T steps, so every "
          "character is a training example", fs=FS - 2, color=MUTED)
    return fig


# ---------------------------------------------------------------- stream batching


def stream_batching(N=3, T=5, L=17):
    """One text cut into N streams (the batch), walked in windows of T steps: state carried, gradient cut."""
    text = _hamlet_line()[: N * L + 1]
    n_windows = L // T
    fig, ax = _canvas(13.4, 6.8)

    # the text as one strip, each character coloured by the stream that reads it as an input
    c, x0, y_text = 0.22, 1.2, 6.0
    for i, ch in enumerate(text):
        if i == N * L or i % L >= n_windows * T:  # only a target, or in a dropped partial window
            fc, ec = "white", GREY
        else:
            fc, ec = STREAM_COLORS[i // L]
        _char(ax, x0 + c * i, y_text, ch, size=c * 0.92, fc=fc, ec=ec, fs=FS - 5)
    _note(ax, x0, y_text + 0.4, f"the text, {N * L + 1} characters, cut into N = {N} streams of L = {L} steps; "
          "white: never an input in this epoch", fs=FS - 1)

    # the streams, one row each, in windows of T steps
    s, dx, gap = 0.4, 0.46, 1.05
    xw = [2.3 + k * (T * dx + gap) for k in range(n_windows + 1)]  # left edge of each window (last: partial)
    ys = [4.9 - 1.05 * b for b in range(N)]
    for b, y in enumerate(ys):
        fc, ec = STREAM_COLORS[b]
        _note(ax, 0.2, y, f"stream {b}", fs=FS - 1, color=ec)
        _arrow(ax, (xw[0] - 0.55, y), (xw[0] - 0.05, y), color=ORANGE)
        _note(ax, xw[0] - 0.58, y, "0", ha="right", fs=FS - 3, color=ORANGE)
        for k, xk in enumerate(xw[:-1]):
            for t in range(T):
                _char(ax, xk + dx * (t + 0.5), y, text[b * L + k * T + t], size=s, fc=fc, ec=ec, fs=FS - 2)
            if k + 1 < n_windows:  # the border between window k and k + 1
                xa, xb = xk + T * dx + 0.05, xw[k + 1] - 0.05
                xm = (xa + xb) / 2
                _arrow(ax, (xa, y + 0.1), (xb, y + 0.1), color=ORANGE, lw=2.0)
                _arrow(ax, (xb - 0.05, y - 0.12), (xm + 0.08, y - 0.12), **BACK)
                ax.plot([xm, xm], [y - 0.3, y + 0.02], color=RED, lw=2.5)
        for t in range(L - n_windows * T):  # the partial last window: dropped
            _char(ax, xw[-1] - gap + 0.3 + dx * (t + 0.5), y, text[b * L + n_windows * T + t], size=s,
                  fc="white", ec=GREY, fs=FS - 2)
    xm = xw[0] + T * dx + gap / 2
    _note(ax, xm, ys[0] + 0.42, "state\ncarried", ha="center", fs=FS - 3, color=ORANGE)
    _note(ax, xm, ys[-1] - 0.5, "gradient\ncut", ha="center", va="top", fs=FS - 3, color=RED)
    _note(ax, xw[-1] - gap + 0.3 + dx, ys[0] + 0.42, "dropped", ha="center", fs=FS - 3, color=MUTED)
    y_bot = ys[-1] - 0.5
    for k, xk in enumerate(xw[1:-1], start=1):
        _bracket(ax, xk, xk + T * dx, y_bot, f"window {k}: X[{k}], (N, T)")
    _bracket(ax, xw[0], xw[0] + T * dx, y_bot, f"window 0: X[0], (N, T) = ({N}, {T})")
    _note(ax, 0.2, 1.05, "update k reads window k of all N streams at once; its final state starts window k + 1 "
          "(orange),", fs=FS - 1)
    _note(ax, 0.2, 0.65, "detached: the gradient stops at the border (red), so an update backpropagates T steps "
          "only.", fs=FS - 1)
    _note(ax, 0.2, 0.22, f"one epoch = L // T = {n_windows} updates; each character of the windows is an input "
          "exactly once, in order within its stream.", fs=FS - 2, color=MUTED)
    return fig


# ---------------------------------------------------------------- temperature


@functools.lru_cache(maxsize=4)
def next_char_counts(context="th"):
    """{character: how often it follows `context` in the complete works}, most frequent first."""
    text = shakespeare.text()
    counts, start = {}, text.find(context)
    while 0 <= start < len(text) - len(context):
        ch = text[start + len(context)]
        counts[ch] = counts.get(ch, 0) + 1
        start = text.find(context, start + 1)
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def temperature(temperatures=(0.5, 1.0, 2.0), context="th", shown=10):
    """The same logits (log counts of the character after "th") softmaxed at three temperatures."""
    counts = next_char_counts(context)
    chars = list(counts)
    logits = np.log(np.array([counts[ch] for ch in chars], dtype=np.float64))
    fig = Figure(figsize=(12.5, 4.1))
    axes = fig.subplots(1, len(temperatures), sharey=True)
    colors = [BLUE, GREEN, ORANGE]
    for ax, tau, color in zip(axes, temperatures, colors):
        p = sampling.temperature_probs(logits, tau)
        ax.bar(range(shown), p[:shown], color=color, width=0.7)
        ax.set_xticks(range(shown), [_show(ch) for ch in chars[:shown]], fontsize=FS - 1, family="monospace")
        ax.set_title(f"temperature {tau:g}: entropy {float(sampling.entropy_bits(p)):.2f} bits", fontsize=FS - 1)
        ax.text(shown - 0.6, 0.9, f"p({_show(chars[0])}) = {p[0]:.2f}\nthe other {len(chars) - shown}\n"
                f"characters: {p[shown:].sum():.2f}", ha="right", va="top", fontsize=FS - 3, color=MUTED)
        ax.grid(alpha=0.3, axis="y")
        ax.tick_params(axis="y", labelsize=FS - 3)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("probability", fontsize=FS - 1)
    axes[1].set_xlabel(f"temperature → 0: all on \"{_show(chars[0])}\" (greedy);  temperature → ∞: uniform, "
                       f"log2 {len(chars)} = {np.log2(len(chars)):.2f} bits", fontsize=FS - 2, color=MUTED)
    fig.suptitle(f'next character after "{context}": logits = log of its counts in the complete works '
                 f"({len(chars)} characters seen; the {shown} most frequent drawn)", fontsize=FS - 2, color=MUTED)
    fig.tight_layout()
    return fig


FIGURES = {  # file name (without .png) -> drawing function
    "08_shifted_targets": shifted_targets,
    "08_stream_batching": stream_batching,
    "08_temperature": temperature,
}
