"""Drawing helpers shared by the chapter modules of `course_utils.figures`, and the palette's names
(re-exported from `course_utils.palette`, where every colour is defined).

Diagrams are drawn on a canvas whose data units are inches (see `_canvas`), so the sizes in the
code are the sizes on the page. The helpers keep their leading underscore: they are internal to
the figures package, not part of the course's API.
"""

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path as MplPath

# The palette lives in course_utils.palette (colour-blind safe, tested there): inputs blue, hidden state
# orange, outputs green, weights and gradients red, anything ignored grey; purple tells a second pass or
# network apart. The chapter modules import the names from here.
from course_utils.palette import (  # noqa: F401  (re-exported for the chapter modules)
    BLUE,
    BLUE_LIGHT,
    DIVERGING,
    GREEN,
    GREEN_LIGHT,
    GREY,
    GREY_LIGHT,
    INK,
    MUTED,
    ORANGE,
    ORANGE_LIGHT,
    PURPLE,
    PURPLE_LIGHT,
    RED,
    RED_LIGHT,
    SEQUENTIAL,
    shade,
    tint,
)

FS = 14  # base font size in points
DPI = 120
BACK = dict(color=RED, lw=2.0, ls=(0, (4, 2)))  # the style of a gradient arrow (backpropagation)


# ---------------------------------------------------------------- drawing helpers


def _canvas(width, height):
    """A figure whose single axes spans it, with one data unit = one inch, no ticks."""
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return fig, ax


def _box(ax, x, y, w, h, text="", *, fc=ORANGE_LIGHT, ec=ORANGE, fs=FS, color=INK, lw=1.6):
    """A rounded box centred on (x, y), with optional centred text."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.08",
                                fc=fc, ec=ec, lw=lw))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fs, color=color)


def _arrow(ax, start, end, *, color=INK, lw=1.5, rad=0.0, ls="-", path=None):
    """An arrow from start to end (straight, arced with `rad`, or along a polyline `path`)."""
    if path is not None:
        patch = FancyArrowPatch(path=MplPath(path), arrowstyle="-|>", mutation_scale=13,
                                color=color, lw=lw, ls=ls)
    else:
        patch = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, color=color, lw=lw,
                                ls=ls, connectionstyle=f"arc3,rad={rad}", shrinkA=1, shrinkB=1)
    ax.add_patch(patch)


def _chain(ax, xs, y, *, ins=None, outs=None, size=0.5, fc=ORANGE_LIGHT, ec=ORANGE, text="",
           link_labels=None, fs=FS - 1, arrow_len=0.45, h0=None):
    """An RNN unrolled over time: one cell per x in `xs`, linked left to right.

    ins / outs: one entry per cell, a label string (drawn), "" (grey arrow: no input / ignored
    output) or None (no arrow). Gaps wider than 1.25 cell spacings are drawn as dotted links.
    """
    n = len(xs)
    ins, outs = ins or [None] * n, outs or [None] * n
    half = size / 2
    if h0 is not None:
        _arrow(ax, (xs[0] - half - 0.55, y), (xs[0] - half, y), color=ORANGE)
        ax.text(xs[0] - half - 0.6, y, h0, ha="right", va="center", fontsize=fs, color=INK)
    for i, x in enumerate(xs):
        _box(ax, x, y, size, size, text, fc=fc, ec=ec, fs=fs - 1)
        for label, y0, y1, ytext, va, col in (
            (ins[i], y - half - arrow_len, y - half, y - half - arrow_len - 0.04, "top", BLUE),
            (outs[i], y + half, y + half + arrow_len, y + half + arrow_len + 0.04, "bottom", GREEN),
        ):
            if label is None:
                continue
            _arrow(ax, (x, y0), (x, y1), color=col if label else GREY, ls="-" if label else (0, (3, 2)))
            if label:
                ax.text(x, ytext, label, ha="center", va=va, fontsize=fs, color=INK)
        if i + 1 < n:
            gap = xs[i + 1] - x
            dotted = i > 0 and gap > 1.25 * (xs[1] - xs[0])
            _arrow(ax, (x + half, y), (xs[i + 1] - half, y), color=ORANGE, ls=(0, (1, 2)) if dotted else "-")
            if link_labels:
                _note(ax, x + gap / 2, y + 0.08, link_labels[i], ha="center", va="bottom", fs=fs - 2, color=RED)


def _circle(x, y, fc, ec, r=0.1):
    return Circle((x, y), r, fc=fc, ec=ec, lw=1.3, zorder=4)


def _note(ax, x, y, text, *, fs=FS - 1, color=INK, ha="left", va="center", **kw):
    ax.text(x, y, text, ha=ha, va=va, fontsize=fs, color=color, **kw)
