"""The palette stays distinguishable under simulated colour-vision deficiencies, and nothing draws outside it.

The simulation (`course_utils.colour_vision`, Machado et al. 2009 at severity 1.0) and ΔE76 are checked
against oracles that do not come from the code: achromatic colours are unchanged by any deficiency, a
dichromat's simulation is rank 2 (protanopia, deuteranopia: a 2-D gamut), published CIELAB values of sRGB
primaries, and the issue's measurement of the old green/red pair (ΔE 2.6 under deuteranopia).
"""

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import CSS4_COLORS, TABLEAU_COLORS, XKCD_COLORS

import course_utils
from course_utils import colour_vision as cv
from course_utils import palette

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(course_utils.__file__).parent
DEFICIENCIES = ("protanopia", "deuteranopia", "tritanopia")


# ---------------------------------------------------------------- the simulation against independent oracles


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
@pytest.mark.parametrize("level", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_simulation_keeps_greys_grey(deficiency, level):
    np.testing.assert_allclose(cv.simulate([level] * 3, deficiency), [level] * 3, atol=2e-6)


@pytest.mark.parametrize("deficiency", ["protanopia", "deuteranopia"])
def test_red_green_dichromacy_sees_a_plane(deficiency):
    # one cone type missing: two dimensions of colour left, so the matrix is singular
    assert abs(np.linalg.det(cv.MACHADO[deficiency])) < 1e-5
    assert np.linalg.matrix_rank(cv.MACHADO[deficiency], tol=1e-4) == 2


@pytest.mark.parametrize("colour, expected", [
    ("#FFFFFF", (100.0, 0.0, 0.0)), ("#000000", (0.0, 0.0, 0.0)),
    ("#FF0000", (53.24, 80.09, 67.20)), ("#00FF00", (87.73, -86.18, 83.18)), ("#0000FF", (32.30, 79.19, -107.86)),
])
def test_lab_matches_published_values(colour, expected):
    np.testing.assert_allclose(cv.lab(colour), expected, atol=0.01)


def test_the_old_green_red_pair_collapses_under_deuteranopia():
    # the number: #3B8E5A and #B8435A differ by ΔE76 2.6 for a deuteranope, 60+ in normal vision
    assert cv.delta_e("#3B8E5A", "#B8435A", "deuteranopia") == pytest.approx(2.6, abs=0.05)
    assert cv.delta_e("#3B8E5A", "#B8435A") > 60


def test_delta_e_is_a_distance():
    assert cv.delta_e("#123456", "#123456", "tritanopia") == 0
    assert cv.delta_e("#0072B2", "#E69F00") == pytest.approx(cv.delta_e("#E69F00", "#0072B2"))
    assert cv.delta_e("#000000", "#FFFFFF", "protanopia") == pytest.approx(100.0, abs=1e-3)


def test_bad_colours_and_deficiencies_get_a_clear_error():
    with pytest.raises(ValueError, match=r"colour must be '#RRGGBB' or three floats in \[0, 1\], got 'blue'"):
        cv.simulate("blue", "protanopia")
    with pytest.raises(ValueError, match="colour must be"):
        cv.lab([0.2, 1.5, 0.0])
    with pytest.raises(ValueError, match=r"deficiency must be one of \('normal', 'protanopia'.*got 'deutan'"):
        cv.simulate("#FFFFFF", "deutan")
    with pytest.raises(ValueError, match="t must lie in"):
        palette.tint(palette.BLUE, 1.5)


# ---------------------------------------------------------------- the palette


@pytest.mark.parametrize("vision", cv.VISIONS)
def test_every_pair_of_categorical_colours_stays_apart(vision):
    distance, a, b = cv.closest_pair(palette.CATEGORICAL, vision)
    assert distance >= palette.MIN_DELTA_E, f"{a} and {b} are only ΔE {distance:.1f} apart under {vision}"


def test_the_palette_achieves_the_stated_margin():
    # the docstring and the report quote 17.0: the smallest ΔE over all four visions
    worst = min(cv.closest_pair(palette.CATEGORICAL, v)[0] for v in cv.VISIONS)
    assert worst == pytest.approx(17.0, abs=0.05)


def test_tints_and_shades_by_hand():
    # BLUE = (0, 114, 178): 80% of it and 20% white is 255 - 0.8 * (255 - c) = (51, 142, 193)
    assert palette.tint(palette.BLUE, 0.8) == "#338EC1"
    assert palette.tint(palette.RED, 0.0) == "#FFFFFF" and palette.tint(palette.RED, 1.0) == palette.RED
    assert palette.shade(palette.BLUE, 0.5) == "#003959"  # (0, 57, 89)


def test_fills_are_visible_on_white_and_keep_their_hue():
    for name in ("BLUE", "ORANGE", "GREEN", "RED", "PURPLE"):
        light = getattr(palette, f"{name}_LIGHT")
        assert cv.delta_e(light, palette.WHITE) > 10, f"{name}_LIGHT is hard to see on white"
        assert light == palette.tint(getattr(palette, name), palette.TINT)


# ---------------------------------------------------------------- nothing draws outside the palette

ALLOWED = {"white", "none"}  # white is the page (and every simulation maps it to itself); "none" draws nothing
COLOUR_KEYWORDS = {"color", "colour", "c", "colors", "fc", "ec", "facecolor", "edgecolor", "facecolors",
                   "edgecolors", "mfc", "mec", "markerfacecolor", "markeredgecolor", "cmap", "labelcolor"}
HEX = re.compile(r"#(?:[0-9A-Fa-f]{3}){1,2}(?:[0-9A-Fa-f]{2})?\b")
CSS_FUNCTION = re.compile(r"\b(?:rgba?|hsla?)\(")
NAMED = ({n for n in CSS4_COLORS} | {n for n in TABLEAU_COLORS} | {n for n in XKCD_COLORS}) - ALLOWED
FORMAT = re.compile(r"[-.:,ov^<>1-4sp*hH+xXDd|_]*[bgrcmykw][-.:,ov^<>1-4sp*hH+xXDd|_]*")  # "r--", "ko"


def _strings(node):
    """The strings an expression can evaluate to: `"0.5"`, `"k" if a else BLUE`, `["b"] * 3`; not the key of
    `COLORS["input"]` nor the arguments of a call (a colour name there is caught as a name anyway)."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [s for e in node.elts for s in _strings(e)]
    if isinstance(node, ast.BinOp):
        return _strings(node.left) + _strings(node.right)
    return []


def colour_literals(source, where):
    """'where:line: what' for every colour written into `source` (Python code) instead of taken by name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if HEX.search(node.value) or CSS_FUNCTION.search(node.value):
                found.append(f"{where}:{node.lineno}: colour code in {node.value[:50]!r}")
            elif node.value.lower() in NAMED:
                found.append(f"{where}:{node.lineno}: colour name {node.value!r}")
        elif isinstance(node, ast.keyword) and node.arg in COLOUR_KEYWORDS:
            found += [f"{where}:{node.value.lineno}: {node.arg}={s!r}" for s in _strings(node.value)
                      if s not in ALLOWED]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "plot":
            found += [f"{where}:{node.lineno}: format string {a.value!r} picks a colour" for a in node.args
                      if isinstance(a, ast.Constant) and isinstance(a.value, str) and FORMAT.fullmatch(a.value)]
    return found


def test_the_lint_finds_colours_written_out():
    code = ('ax.plot(x, "r--")\nax.plot(x, "o-", color="0.5")\nf(ec="white", fc="tab:red")\n'
            'HTML = f"<p style=\'color: #b00\'>"\nc = "rgb(0, 0, 255)"\nax.imshow(w, cmap="Blues")\nk = "gray"\n'
            'fine = dict(b=1, ec="white", fc="none", color=BLUE, label="red line", c=COLORS["input"])\n'
            'ax.plot(x, "o-")\n'
            'ax.bar(x, y, color=["0.5"] * 3)\nax.plot(x, color="white" if on else "k")')
    found = colour_literals(code, "x.py")
    assert sorted({int(f.split(":")[1]) for f in found}) == [1, 2, 3, 4, 5, 6, 7, 10, 11], found


def test_no_module_hard_codes_a_colour():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "palette.py":
            found += colour_literals(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    assert not found, "take colours from course_utils.palette by name:\n" + "\n".join(found)


def _code_cells(path):
    for i, cell in enumerate(json.loads(path.read_text())["cells"], 1):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            yield i, "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_no_notebook_hard_codes_a_colour(path):
    found = [f for i, source in _code_cells(path) for f in colour_literals(source, f"{path.name}, cell {i}")]
    assert not found, "take colours from course_utils.palette by name:\n" + "\n".join(found)


# ---------------------------------------------------------------- the decks' accents


def contrast(a, b):
    """WCAG 2 contrast ratio of two sRGB colours, from their relative luminance Y."""
    ya, yb = sorted((float((cv.RGB_TO_XYZ @ cv.to_linear(cv.as_rgb(c)))[1]) for c in (a, b)), reverse=True)
    return (ya + 0.05) / (yb + 0.05)


def test_contrast_formula_and_text_colours_are_readable():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0, abs=1e-3)  # WCAG's extremes
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # the classic just-failing grey
    for name, colour in palette.TEXT_ON_WHITE.items():
        assert contrast(colour, palette.WHITE) >= 4.5, f"{name} text on white is below WCAG AA"


@pytest.mark.parametrize("deck", sorted((ROOT / "slides").glob("*.md")), ids=lambda p: p.name)
def test_deck_style_colours_come_from_the_palette(deck):
    front = deck.read_text().split("\n---\n", 1)[0]
    codes = HEX.findall(front)
    known = {v.upper() for v in vars(palette).values() if isinstance(v, str) and v.startswith("#")}
    assert codes and not [c for c in codes if c.upper() not in known], f"{deck.name}: {codes} not all in the palette"
