"""Alt text for the course's plots: a description of each figure, sent beside its PNG.

A notebook plot reaches the website as a PNG in the cell's output; a reader who cannot see it needs words.
`describe(fig)` says what a matplotlib figure shows, from what the figure knows: its titles, axis labels,
legend entries and the kinds of marks on each panel, e.g.

    Figure "Training": panel 1 of 2, "Loss": 2 lines (train, validation) of loss against epoch; ...

`set_alt(fig, text)` replaces that with a sentence of your own. `register()` (run in the kernel that executes
the notebooks for the website: course_utils.executed puts it in that kernel's IPython start-up) wraps the
kernel's PNG formatter for figures so that each PNG output carries `{"alt": describe(fig)}` in its metadata,
which the website's pages use as the image's alt attribute.
"""

import re
import weakref

from matplotlib.figure import Figure

_EXPLICIT = weakref.WeakKeyDictionary()


def set_alt(fig, text):
    """Use `text` as the alt text of `fig` (returns `fig`, so it can end a cell)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    _EXPLICIT[fig] = text.strip()
    return fig


def plain(text):
    """Mathtext made readable aloud: '$h_t$' -> 'h_t', '$\\alpha$' -> 'alpha'."""
    text = re.sub(r"\\(mathrm|mathbf|text|operatorname)\{([^}]*)\}", r"\2", text or "")
    return " ".join(text.replace("$", "").replace("\\", "").replace("{", "").replace("}", "").split())


def _count(n, word, plural=None):
    return f"{n} {word if n == 1 else plural or word + 's'}"


def describe_axes(ax):
    """What one panel shows: its title, its marks (lines, points, bars, images) and its axes."""
    labels = [plain(lab) for lab in ax.get_legend_handles_labels()[1] if not lab.startswith("_")]
    marks = []
    if ax.lines:
        marks.append(_count(len(ax.lines), "line"))
    if ax.collections:
        marks.append(_count(len(ax.collections), "set of points or areas", "sets of points or areas"))
    if ax.patches:
        marks.append(_count(len(ax.patches), "bar or shape", "bars or shapes"))
    if ax.images:
        marks.append(_count(len(ax.images), "colour-mapped image"))
    if ax.texts:
        marks.append(_count(len(ax.texts), "text label"))
    what = ", ".join(marks) if marks else "no data marks"
    if labels:
        what += " (" + ", ".join(labels[:8]) + (", ..." if len(labels) > 8 else "") + ")"
    x, y = plain(ax.get_xlabel()), plain(ax.get_ylabel())
    if x or y:
        what += f" of {y or 'values'} against {x or 'position'}"
    title = plain(ax.get_title())
    return f'"{title}": {what}' if title else what


def describe(fig):
    """Alt text for a figure: the sentence given with `set_alt`, else one built from its titles and marks."""
    if fig in _EXPLICIT:
        return _EXPLICIT[fig]
    panels = [ax for ax in fig.axes if (ax.get_visible() and ax.axison) or ax.images]
    head = plain(fig._suptitle.get_text()) if getattr(fig, "_suptitle", None) is not None else ""
    if not panels:
        return f'Figure "{head}"' if head else "Figure"
    if len(panels) == 1:
        body = describe_axes(panels[0])
    else:
        body = "; ".join(f"panel {i} of {len(panels)}, {describe_axes(ax)}" for i, ax in enumerate(panels, 1))
    return f'Figure "{head}": {body}' if head else f"Figure: {body}"


def _with_alt(printer):
    def png_with_alt(fig):
        data = printer(fig)
        if data is None:
            return None
        data, meta = data if isinstance(data, tuple) else (data, {})
        return data, {**(meta or {}), "alt": describe(fig)}

    png_with_alt.course_alt = True
    return png_with_alt


def _wrap_png_formatter(shell):
    formatter = shell.display_formatter.formatters["image/png"]
    try:
        printer = formatter.lookup_by_type(Figure)
    except KeyError:
        return  # no inline backend yet: wrapped before the next cell that has one
    if not getattr(printer, "course_alt", False):
        formatter.for_type(Figure, _with_alt(printer))


def register(shell=None):
    """In an IPython kernel: from now on, every figure's PNG output carries its alt text in its metadata."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        raise RuntimeError("register() runs inside IPython (a notebook kernel)")
    # `%matplotlib inline` (the first line of every chapter) installs its own formatter: wrap it before and
    # after every cell, whenever it is not wrapped yet.
    shell.events.register("pre_run_cell", lambda *_: _wrap_png_formatter(shell))
    shell.events.register("post_run_cell", lambda *_: _wrap_png_formatter(shell))
    _wrap_png_formatter(shell)
