"""How far apart two colours look, in normal vision and under simulated colour-vision deficiencies.

- `simulate(rgb, deficiency)`: Machado, Oliveira and Fernandes (2009), "A physiologically-based model for
  simulation of color vision deficiency", severity 1.0 (dichromacy): one 3x3 matrix per deficiency, applied
  to linear RGB (sRGB with its transfer curve removed), the result clipped to the gamut and re-encoded.
- `lab(rgb)`: CIELAB (D65 white) of sRGB values in [0, 1].
- `delta_e(a, b, deficiency)`: the CIE 1976 colour difference ΔE76, the Euclidean distance in CIELAB,
  between what the two colours look like to a viewer with that deficiency ("normal": no simulation).

Numpy only; colours are "#RRGGBB" strings or RGB triples in [0, 1].
"""

import numpy as np

# Machado et al. 2009, table of severity 1.0 (rows map linear R, G, B to simulated linear R, G, B).
MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
VISIONS = ("normal", *MACHADO)

# linear sRGB -> CIE XYZ (IEC 61966-2-1, D65); the white point is the image of RGB = (1, 1, 1).
RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                       [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])
WHITE_XYZ = RGB_TO_XYZ.sum(axis=1)


def as_rgb(colour):
    """An sRGB triple in [0, 1] (3,) from "#RRGGBB" or a sequence of three floats in [0, 1]."""
    if isinstance(colour, str):
        if not (len(colour) == 7 and colour[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in colour[1:])):
            raise ValueError(f"colour must be '#RRGGBB' or three floats in [0, 1], got {colour!r}")
        return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    rgb = np.asarray(colour, dtype=np.float64)
    if rgb.shape != (3,) or rgb.min() < 0 or rgb.max() > 1:
        raise ValueError(f"colour must be '#RRGGBB' or three floats in [0, 1], got {colour!r}")
    return rgb


def to_linear(rgb):
    """sRGB in [0, 1] -> linear light (the sRGB transfer curve removed)."""
    rgb = np.asarray(rgb, dtype=np.float64)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def from_linear(linear):
    """Linear light -> sRGB in [0, 1], clipped to the gamut first."""
    linear = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def simulate(colour, deficiency):
    """What `colour` looks like with `deficiency` (one of VISIONS), as an sRGB triple (3,) in [0, 1]."""
    rgb = as_rgb(colour)
    if deficiency == "normal":
        return rgb
    if deficiency not in MACHADO:
        raise ValueError(f"deficiency must be one of {VISIONS}, got {deficiency!r}")
    return from_linear(MACHADO[deficiency] @ to_linear(rgb))


def lab(colour):
    """CIELAB (L*, a*, b*) of an sRGB colour, D65 white: (3,)."""
    xyz = RGB_TO_XYZ @ to_linear(as_rgb(colour)) / WHITE_XYZ
    eps = (6 / 29) ** 3  # below it the cube root is replaced by a line (CIE 1976)
    f = np.where(xyz > eps, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a, b, deficiency="normal"):
    """ΔE76 between colours a and b as a viewer with `deficiency` sees them."""
    return float(np.linalg.norm(lab(simulate(a, deficiency)) - lab(simulate(b, deficiency))))


def closest_pair(colours, deficiency="normal"):
    """(ΔE76, name, name) of the two least distinguishable colours of `colours` ({name: colour})."""
    names = list(colours)
    if len(names) < 2:
        raise ValueError(f"colours must hold at least two colours, got {names}")
    return min((delta_e(colours[p], colours[q], deficiency), p, q)
               for i, p in enumerate(names) for q in names[i + 1:])
