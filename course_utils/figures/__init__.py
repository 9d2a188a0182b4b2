"""Draw the course's figures into `images/`.

Every figure is drawn by one function that builds a new `matplotlib.figure.Figure` and returns it;
nothing here calls `plt.show()` or touches the global rcParams, so the functions are safe to call
from a notebook, a test or a headless build. Each chapter has its own module (`ch01`, `ch02`, ...;
chapter 06 has two, `ch06_networks` and `ch06_noise_analogies`) with a `FIGURES` dict; this package
merges them into one registry, `FIGURES`, that maps each file name (without `.png`) to its function,
and `draw_all` writes them all:

    python -m course_utils.figures            # every figure into images/
    python -m course_utils.figures --out /tmp/img 01_sunspots
    python -m course_utils.figures --attach notebooks   # and embed them in the notebooks (`attach`)

The palette and the drawing helpers live in `common`. Notation follows the slides: row vectors,
batch-first shapes, h_t = tanh(x_t @ W_xh + h_{t-1} @ W_hh + b_h).
"""

import argparse
import io
from pathlib import Path

from PIL import Image

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
        save_png(FIGURES[name](), path, dpi=dpi)
        paths.append(path)
    return paths


def save_png(fig, path, *, dpi=DPI):
    """Write `fig` as an 8-bit palette PNG on white.

    The figures are flat colours and their anti-aliased edges: 256 colours show them without visible loss at
    about a third of the size of matplotlib's RGBA file, which matters because every notebook carries its
    figures as attachments (`course_utils.figures.attach`).
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    image = Image.open(buffer).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def main(argv=None):
    """Command line: `python -m course_utils.figures [names] [--out folder] [--attach notebook_dir]`."""
    parser = argparse.ArgumentParser(description="Draw the course's figures as PNG files.")
    parser.add_argument("names", nargs="*", help="figures to draw (default: all)")
    parser.add_argument("--out", default="images", help="output folder (default: images)")
    parser.add_argument("--attach", metavar="NOTEBOOK_DIR",
                        help="then embed the figures of --out in these notebooks as cell attachments")
    args = parser.parse_args(argv)
    for path in draw_all(args.out, args.names or None):
        print(path)
    if args.attach:
        from course_utils.figures import attach

        for path in attach.sync(args.attach, args.out):
            print(f"attached figures in {path}")
