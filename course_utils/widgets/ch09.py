"""Chapter 09's scan explorer: the parallel scan's sweeps, one at a time, over a short sequence.

Pure function, tested without a browser:
- `scan_view(T, sweep, seed=...)`: (html, info) for the state of the scan after `sweep` sweeps: for each
  entry t, the steps its prefix covers so far and its value against the loop's h_t.

Widget: `scan_explorer(T=8)`, a slider over the sweeps (0 .. ceil(log2 T)) and one over T.
"""

import numpy as np

from course_utils._checks import positive_int
from course_utils.layers import linear_recurrence
from course_utils.palette import GREEN_LIGHT, ORANGE_LIGHT


def scan_view(T, sweep, *, seed=0):
    """(html, info) after `sweep` sweeps of the scan on one random channel of T steps.

    info: {"covered": [(first, last) step of entry t's prefix, 1-based], "done": entries equal to the loop's h_t,
    "sweeps": ceil(log2 T), "work": combines done so far}.
    """
    T = positive_int("T", T)
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0.5, 1.0, (1, T, 1)), rng.normal(size=(1, T, 1))
    stages = linear_recurrence.scan_sweeps(a, b)
    sweep = min(positive_int("sweep", sweep, minimum=0), len(stages) - 1)
    B = stages[sweep][1][0, :, 0]
    h = linear_recurrence.linear_recurrence_loop(a, b)[0, :, 0]
    reach = 2**sweep  # after k sweeps, entry t combines steps t - 2**k + 1 .. t
    covered = [(max(1, t + 2 - reach), t + 1) for t in range(T)]
    done = [bool(abs(B[t] - h[t]) < 1e-12 and covered[t][0] == 1) for t in range(T)]
    work = sum(T - 2**k for k in range(sweep))
    cells = []
    for t, ((first, last), ok) in enumerate(zip(covered, done)):
        colour = GREEN_LIGHT if ok else ORANGE_LIGHT
        span = f"{first}" if first == last else f"{first}..{last}"
        cells.append(f'<td style="background:{colour};padding:4px 8px;text-align:center">'
                     f"<b>t={t + 1}</b><br>steps {span}<br>{B[t]:+.3f}<br><small>h={h[t]:+.3f}</small></td>")
    html = (f"<p>after {sweep} of {len(stages) - 1} sweeps: {sum(done)} of {T} entries finished "
            f"(green, the others orange); "
            f"{work} combines so far (the loop: {T - 1} combines, in {T - 1} dependent steps)</p>"
            f'<table style="border-collapse:separate;border-spacing:3px"><tr>{"".join(cells)}</tr></table>')
    return html, {"covered": covered, "done": done, "sweeps": len(stages) - 1, "work": work}


def scan_explorer(T=8, *, seed=0):
    """A slider over the scan's sweeps and one over T: which steps each entry has combined so far."""
    import ipywidgets as widgets

    out = widgets.HTML()
    slider = dict(continuous_update=False)
    sweep = widgets.IntSlider(value=0, min=0, max=4, description="sweeps", **slider)
    length = widgets.IntSlider(value=T, min=1, max=16, description="T", **slider)

    def show(*_):
        out.value, info = scan_view(length.value, sweep.value, seed=seed)
        sweep.max = max(1, info["sweeps"])

    for control in (sweep, length):
        control.observe(show, names="value")
    show()
    return widgets.VBox([widgets.HBox([sweep, length]), out])
