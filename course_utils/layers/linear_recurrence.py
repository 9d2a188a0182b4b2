"""The linear recurrence h_t = a_t * h_{t-1} + b_t, step by step and as a parallel scan (numpy, float64).

Shapes are batch-first: a and b are (N, T, H) -- N sequences, T steps, H channels -- and the
initial state h0 is (N, H) (zeros when omitted). Every product is element-wise: each channel is
its own scalar recurrence, which is what lets the steps be regrouped.

    loop:  h_1 = a_1 h0 + b_1,  h_2 = a_2 h_1 + b_2,  ...          T steps, each waiting for the last

    scan:  a step is the pair (a_t, b_t), the map h -> a_t h + b_t. Two maps in a row are again one:
           (a, b) o (a', b') = (a a', a' b + b')       "first (a, b), then (a', b')"
           The operator is associative, so the prefixes (a_1, b_1) o ... o (a_t, b_t) can be
           combined in any grouping. Sweep k (k = 0, 1, ...) combines every prefix with the one
           2**k steps before it (Hillis and Steele, 1986): after ceil(log2 T) sweeps, entry t holds
           the composition of steps 1..t, whose b-part is h_t when h0 = 0. A non-zero h0 is folded
           into the first step: b_1 <- a_1 h0 + b_1.

Work and depth: the loop does T combines one after another (depth T); the scan does about
T log2 T combines, in ceil(log2 T) sweeps of independent combines (depth log2 T). More work,
far fewer rounds: the trade that makes recurrences fast on parallel hardware.

The backward pass is a linear recurrence too, run backwards in time: with g_t = dL/dh_t in full,

    g_t = dout_t + a_{t+1} * g_{t+1}        (g_T = dout_T)
    dL/db_t = g_t,   dL/da_t = g_t * h_{t-1},   dL/dh0 = a_1 * g_1

so `linear_recurrence_backward` reuses the loop or the scan on the time-reversed sequence.

This module is not a layer on the contract (it has no parameters); tests/test_layer_contract.py
lists it with that reason.
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import shape_error
from course_utils.layers.common import as_array, as_state


def combine(first, then):
    """The scan's operator on two steps (a, b) and (a', b'), taken in that order: (a a', a' b + b').

    first, then: pairs of arrays of one shape (or broadcastable). Returns the pair of the composed map.
    """
    (a1, b1), (a2, b2) = first, then
    return a1 * a2, a2 * b1 + b2


def _check(a, b, h0):
    """a, b as float64 (N, T, H) arrays of one shape and h0 as (N, H) (zeros when None)."""
    a = as_array("a", a, ("N", "T", "H"))
    N, T, H = a.shape
    b = as_array("b", b, (("N", N), ("T", T), ("H", H)))
    if T == 0:
        raise shape_error("a", ("N", "T>=1", "H"), a.shape)
    return a, b, as_state(h0, "h0", N, H)


def linear_recurrence_loop(a, b, h0=None):
    """h_t = a_t * h_{t-1} + b_t, one step after another. a, b: (N, T, H); h0: (N, H) or None.

    Returns every state h_1 ... h_T as an (N, T, H) array.
    """
    a, b, h = _check(a, b, h0)
    out = np.empty_like(b)
    for t in range(a.shape[1]):
        # h_t = a_t * h_{t-1} + b_t
        h = a[:, t] * h + b[:, t]
        out[:, t] = h
    return out


def scan_sweeps(a, b, h0=None):
    """The scan's intermediate prefixes: a list of (A, B) pairs, one before the first sweep and one after each.

    a, b: (N, T, H); h0 folded into b_1. After sweep k, entry t of (A, B) is the composition of steps
    max(1, t - 2**(k+1) + 2) .. t; the last pair's B is every state h_t. There are ceil(log2 T) sweeps.
    """
    a, b, h0 = _check(a, b, h0)
    A, B = a.copy(), b.copy()
    B[:, 0] += a[:, 0] * h0  # h0 becomes part of the first step
    stages = [(A.copy(), B.copy())]
    T, offset = a.shape[1], 1
    while offset < T:
        # entry t gets (entry t - offset) o (entry t); entries t < offset already hold their whole prefix
        A_new, B_new = combine((A[:, :-offset], B[:, :-offset]), (A[:, offset:], B[:, offset:]))
        A[:, offset:], B[:, offset:] = A_new, B_new
        stages.append((A.copy(), B.copy()))
        offset *= 2
    return stages


def linear_recurrence_scan(a, b, h0=None):
    """The same states as `linear_recurrence_loop`, in ceil(log2 T) sweeps of the associative operator.

    a, b: (N, T, H); h0: (N, H) or None. Returns (N, T, H). Memory: two arrays of a's shape.
    """
    a, b, h0 = _check(a, b, h0)
    A, B = a.copy(), b.copy()
    B[:, 0] += a[:, 0] * h0
    T, offset = a.shape[1], 1
    while offset < T:
        # the right-hand sides are evaluated in full before the assignment: every combine reads the old sweep
        A[:, offset:], B[:, offset:] = combine((A[:, :-offset], B[:, :-offset]), (A[:, offset:], B[:, offset:]))
        offset *= 2
    return B


def scan_work_depth(T):
    """(combines, sweeps) of the scan on T steps, against the loop's (T, T): how much work and how deep."""
    work, depth, offset = 0, 0, 1
    while offset < T:
        work += T - offset  # one combine per entry that has a partner offset steps back
        depth += 1
        offset *= 2
    return work, depth


class LinearRecurrenceCache(NamedTuple):
    """What the backward pass needs: the step multipliers, the initial state and every state."""

    a: np.ndarray  # (N, T, H)
    h0: np.ndarray  # (N, H)
    h: np.ndarray  # (N, T, H)


def linear_recurrence_forward(a, b, h0=None, *, parallel=True):
    """States and a cache for `linear_recurrence_backward`. parallel: the scan (True) or the loop (False).

    a, b: (N, T, H); h0: (N, H) or None. Returns (h (N, T, H), LinearRecurrenceCache).
    """
    a, b, h0 = _check(a, b, h0)
    h = linear_recurrence_scan(a, b, h0) if parallel else linear_recurrence_loop(a, b, h0)
    return h, LinearRecurrenceCache(a, h0, h)


def linear_recurrence_backward(dout, cache, *, parallel=True):
    """Gradients of a loss L given dout = dL/dh (N, T, H), read directly from each h_t.

    The full gradient g_t = dout_t + a_{t+1} g_{t+1} is the same recurrence backwards in time, computed
    by the scan (parallel=True) or the loop. Returns {"a": (N, T, H), "b": (N, T, H), "h0": (N, H)}.
    """
    if not isinstance(cache, LinearRecurrenceCache):
        raise ValueError("cache must be the LinearRecurrenceCache returned by linear_recurrence_forward, "
                         f"got {type(cache).__name__}")
    a, h0, h = cache
    dout = as_array("dout", dout, tuple(zip("NTH", h.shape)))
    # reversed in time: step t's multiplier on g_{t+1} is a_{t+1}; nothing comes after step T
    a_next = np.concatenate([a[:, 1:], np.zeros_like(a[:, :1])], axis=1)[:, ::-1]
    run = linear_recurrence_scan if parallel else linear_recurrence_loop
    g = run(a_next, dout[:, ::-1])[:, ::-1]  # (N, T, H): dL/dh_t through every later step
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H): h_{t-1}
    return {"a": g * h_prev, "b": g, "h0": a[:, 0] * g[:, 0]}
