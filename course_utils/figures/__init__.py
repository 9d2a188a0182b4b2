"""Draw the course's figures into `images/`.

Every figure is drawn by one function that builds a new `matplotlib.figure.Figure` and returns it;
nothing here calls `plt.show()` or touches the global rcParams, so the functions are safe to call
from a notebook, a test or a headless build. Each chapter has its own module (`ch01`, `ch02`, ...;
chapter 06 has two, `ch06_networks` and `ch06_noise_analogies`) with a `FIGURES` dict; this package
merges them into one registry, `FIGURES`, that maps each file name (without `.png`) to its function,
and `draw_all` writes them all:

    python -m course_utils.figures            # every figure into images/
    python -m course_utils.figures --out /tmp/img 01_sunspots

The palette and the drawing helpers live in `common`. Notation follows the slides: row vectors,
batch-first shapes, h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b_h).
"""

import argparse
from pathlib import Path

from course_utils.figures import ch01, ch02, ch03, ch04, ch05, ch06_networks, ch06_noise_analogies, ch07, ch08, ch09
from course_utils.figures.common import DPI

FIGURES = {**ch01.FIGURES, **ch02.FIGURES, **ch03.FIGURES, **ch04.FIGURES, **ch05.FIGURES,
           **ch06_networks.FIGURES, **ch06_noise_analogies.FIGURES, **ch07.FIGURES, **ch08.FIGURES, **ch09.FIGURES}


def draw_all(out_dir="images", names=None, *, dpi=DPI):
    """Draw the figures named in `names` (all of FIGURES by default) as PNGs; return their paths."""
    names = list(FIGURES) if names is None else list(names)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure names {unknown}; known: {sorted(FIGURES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = out / f"{name}.png"
        FIGURES[name]().savefig(path, dpi=dpi, facecolor="white")
        paths.append(path)
    return paths


def main(argv=None):
    """Command line: `python -m course_utils.figures [names] [--out folder]`."""
    parser = argparse.ArgumentParser(description="Draw the course's figures as PNG files.")
    parser.add_argument("names", nargs="*", help="figures to draw (default: all)")
    parser.add_argument("--out", default="images", help="output folder (default: images)")
    args = parser.parse_args(argv)
    for path in draw_all(args.out, args.names or None):
        print(path)
