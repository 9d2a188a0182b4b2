"""The course's colours: every figure, plot, widget and notebook draws with the names defined here.

The categorical colours are five of Okabe and Ito's colour-blind-safe set plus a light grey. Under the
Machado et al. (2009) simulation of protanopia, deuteranopia and tritanopia every pair of them stays at
least MIN_DELTA_E apart in CIELAB (ΔE76), and so does every pair in normal vision
(`tests/test_palette.py` checks it with `course_utils.colour_vision`). What each colour stands for in
the diagrams:

    BLUE    inputs x_t                 ORANGE  hidden state h_t, c_t
    GREEN   outputs, targets           RED     weights, gradients, predictions (Okabe-Ito vermillion)
    PURPLE  a second pass or network   GREY    anything ignored or padded

The *_LIGHT fills are tints of the same colours (TINT of the colour, the rest white). Fills are not told
apart by their own hue: every filled box also carries its full-colour edge.

The decks (slides/*.md front matter) use BLUE for headings, RED_TEXT for emphasis and MUTED for footers.

Sequential maps are perceptually uniform (SEQUENTIAL, cividis, made for colour-vision deficiencies);
DIVERGING runs from BLUE through white to RED.
"""

from matplotlib.colors import LinearSegmentedColormap, to_rgb

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"  # Okabe-Ito bluish green
RED = "#D55E00"  # Okabe-Ito vermillion
PURPLE = "#CC79A7"  # Okabe-Ito reddish purple
GREY = "#C4C4C4"  # light enough to stay 17 ΔE from PURPLE under deuteranopia (#A8A8A8 was 9)

# Neutrals: text and backgrounds. They carry no category, so they are not in CATEGORICAL.
INK = "#222222"  # text and plain arrows
MUTED = "#5F5F5F"  # captions, secondary labels, reference lines
WHITE = "#FFFFFF"  # the page

CATEGORICAL = {"blue": BLUE, "orange": ORANGE, "green": GREEN, "red": RED, "purple": PURPLE, "grey": GREY}
CYCLE = [BLUE, ORANGE, GREEN, RED, PURPLE]  # the order of lines in a plot with several series
MIN_DELTA_E = 15.0  # the smallest pairwise ΔE76 tests/test_palette.py accepts (the palette achieves 17.0)

TINT = 0.2


def tint(colour, t):
    """`colour` faded towards white as a "#RRGGBB" string: t = 0 is white, t = 1 the colour itself."""
    if not 0 <= t <= 1:
        raise ValueError(f"t must lie in [0, 1], got {t!r}")
    return "#" + "".join(f"{round(255 * (1 - t * (1 - v))):02X}" for v in to_rgb(colour))


def shade(colour, t):
    """`colour` darkened towards black as a "#RRGGBB" string: t = 0 is the colour, t = 1 black."""
    if not 0 <= t <= 1:
        raise ValueError(f"t must lie in [0, 1], got {t!r}")
    return "#" + "".join(f"{round(255 * (1 - t) * v):02X}" for v in to_rgb(colour))


RED_TEXT = shade(RED, 0.15)  # #B55000: vermillion dark enough for text on white (contrast 5.1:1, WCAG AA 4.5)
TEXT_ON_WHITE = {"INK": INK, "MUTED": MUTED, "BLUE": BLUE, "RED_TEXT": RED_TEXT}  # the decks' text colours

BLUE_LIGHT, ORANGE_LIGHT, GREEN_LIGHT, RED_LIGHT, PURPLE_LIGHT = (tint(c, TINT) for c in CYCLE)
GREY_LIGHT = tint(GREY, 0.35)  # #EFEFEF-like: a cell that is there but off

SEQUENTIAL = "cividis"  # heatmaps of weights in [0, 1]
DIVERGING = LinearSegmentedColormap.from_list("course_diverging", [BLUE, WHITE, RED])
