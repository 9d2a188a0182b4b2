"""Turning a model's logits into the next character: temperature, top-k, top-p and one shared random draw.

logits z (V,) -> probabilities p = softmax(z / temperature), optionally only the k largest kept,
then optionally only the smallest most-likely set holding at least top_p of the mass (nucleus)
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


def next_char_probs(logits, temperature=1.0, top_k=None, top_p=None):
    """The distribution the next character is drawn from. logits: (V,) -> p: (V,).

    temperature 0 means greedy: all mass on the argmax (the first one if tied). top_k keeps the k
    most likely characters (ties broken by lower index) and renormalises. top_p (nucleus sampling,
    a number in (0, 1]) then keeps the smallest set of most likely characters whose probabilities
    sum to at least top_p (ties by lower index) and renormalises; top_p = 1 changes nothing. With
    both, top-k comes first and top-p acts on what it kept (the order common libraries use).
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or not np.all(np.isfinite(logits)):
        raise ValueError(f"logits must be a finite 1-D array of shape (V,), got {logits.shape}")
    if top_k is not None:
        positive_int("top_k", top_k)
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float, np.floating))
                              or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be a number in (0, 1], got {top_p!r}")
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
    if top_p is not None and top_p < 1:
        p = _nucleus(p, top_p)
    return p


def _nucleus(p, top_p):
    """p (V,) restricted to its smallest most-likely set with mass >= top_p, renormalised."""
    order = np.argsort(-p, kind="stable")  # most likely first, ties by lower index
    mass = np.cumsum(p[order])
    # the first position where the running mass reaches top_p (a rounding margin: 0.5 + 0.3 is "0.8")
    n_keep = int(np.searchsorted(mass, top_p * (1 - 1e-12), side="left")) + 1
    keep = np.zeros(len(p), dtype=bool)
    keep[order[:n_keep]] = True
    p = np.where(keep, p, 0.0)
    return p / p.sum()


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
