"""Turning a model's logits into the next character: temperature, top-k and one shared random draw.

logits z (V,) -> probabilities p = softmax(z / temperature), optionally only the k largest kept
-> one index drawn by inverse CDF: the first i with p_0 + ... + p_i > u, u ~ U[0, 1).

The torch generator (`char_model.generate`) and the numpy one (`char_numpy.generate_numpy`) both
call these functions with a numpy Generator, so with the same seed they consume the same u's and,
given the same probabilities, write the same text.
"""

import numpy as np

from course_utils._checks import positive_int


def temperature_probs(logits, temperature):
    """softmax(logits / temperature) over the last axis (any leading shape), computed stably.

    temperature > 0. Below 1 the distribution sharpens towards the argmax; above 1 it flattens
    towards uniform. (temperature 0, greedy decoding, is handled by `next_char_probs`.)
    """
    logits = np.asarray(logits, dtype=np.float64)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating)) or not temperature > 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)  # exp of at most 0: no overflow, same softmax
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def next_char_probs(logits, temperature=1.0, top_k=None):
    """The distribution the next character is drawn from. logits: (V,) -> p: (V,).

    temperature 0 means greedy: all mass on the argmax (the first one if tied). top_k keeps the k
    most likely characters (ties broken by lower index) and renormalises.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or not np.all(np.isfinite(logits)):
        raise ValueError(f"logits must be a finite 1-D array of shape (V,), got {logits.shape}")
    if top_k is not None:
        positive_int("top_k", top_k)
    if temperature == 0:
        p = np.zeros_like(logits)
        p[np.argmax(logits)] = 1.0
        return p
    p = temperature_probs(logits, temperature)
    if top_k is not None and top_k < len(p):
        keep = np.argsort(-logits, kind="stable")[:top_k]
        mask = np.zeros(len(p), dtype=bool)
        mask[keep] = True
        p = np.where(mask, p, 0.0)
        p = p / p.sum()
    return p


def sample_index(p, rng):
    """One index drawn from p (V,) with one uniform number u = rng.random(): the first i with cdf_i > u."""
    cdf = np.cumsum(p)
    u = rng.random() * cdf[-1]  # scale, so that rounding in the sum cannot push u past the end
    return int(min(np.searchsorted(cdf, u, side="right"), len(p) - 1))


def entropy_bits(p):
    """Entropy -sum p log2 p of a distribution (last axis), in bits; 0 log 0 counts as 0."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=-1)
