"""Chapter 05 checkers: a convolution's output length, a causal convolution, a stack's receptive field."""

import math

import numpy as np

from course_utils.exercises.engine import Case, Mistake, check_function, check_number, close
from course_utils.layers import conv1d


def _steps_are_whole(args, got):
    """A `diagnose` for check_number, after the mistakes (so that a true division is named first)."""
    if not float(got).is_integer():
        return f"a number of steps is a whole number, got {got!r}.\nUse integer arithmetic (// rather than /)."
    return None


# ---------------------------------------------------------------- chapter 05: output length


def _length_reference(T, K, stride, padding, dilation):
    return conv1d.output_length(T, K, stride=stride, padding=padding, dilation=dilation)


LENGTH_MISTAKES = (
    Mistake(lambda T, K, s, p, d: (T + 2 * p - d * (K - 1) - 1) // s,
            "the +1 is missing: the first window counts too. With T = K, stride 1 and no padding there is exactly "
            "one output: floor((T + 2*padding - dilation*(K - 1) - 1) / stride) + 1."),
    Mistake(lambda T, K, s, p, d: (T + 2 * p - d * (K - 1) - 1) / s + 1,
            "that is true division: when the stride does not divide the rest, the last partial window is dropped. "
            "Round down with // (floor division)."),
    Mistake(lambda T, K, s, p, d: math.ceil((T + 2 * p - d * (K - 1) - 1) / s) + 1,
            "you rounded up: a partial window at the end is dropped, not counted. Use floor (//), not ceil."),
    Mistake(lambda T, K, s, p, d: (T + p - d * (K - 1) - 1) // s + 1,
            "padding adds zeros at BOTH ends of the sequence: the padded input has T + 2*padding steps."),
    Mistake(lambda T, K, s, p, d: (T + 2 * p - (K - 1) - 1) // s + 1,
            "dilation is missing: a dilated kernel of K taps spans dilation*(K - 1) + 1 input steps, not K."),
)


def check_output_length(student_fn):
    """Exercise: `output_length(T, kernel_size, stride=1, padding=0, dilation=1) -> int`, torch's T_out:

    floor((T + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1.
    """
    sizes = [  # (T, K, stride, padding, dilation): each classic mistake first shows on its own case
        (10, 3, 1, 0, 1), (10, 3, 2, 0, 1), (12, 3, 1, 2, 1), (20, 3, 1, 0, 2), (50, 5, 3, 2, 3),
        (7, 7, 1, 0, 1), (100, 2, 4, 1, 8), (9, 4, 3, 2, 1), (1, 1, 1, 0, 1),
    ]
    cases = [Case(f"T={T}, kernel_size={K}, stride={s}, padding={p}, dilation={d}", (T, K, s, p, d))
             for T, K, s, p, d in sizes]

    def call(T, K, s, p, d):
        return student_fn(T, K, stride=s, padding=p, dilation=d)

    return check_number(
        "output_length", call, _length_reference, cases, LENGTH_MISTAKES, diagnose=_steps_are_whole,
        advice="Count the steps of the padded input (T + 2*padding), subtract the span of one window minus one "
        "(dilation*(K - 1)), then count how many strides fit: floor(rest / stride) + 1.",
    )


# ---------------------------------------------------------------- chapter 05: a causal convolution


def _plain_conv(X, W, b, dilation, left, right):
    """Pad `left` and `right` zeros, then torch-style cross-correlation, stride 1: the reference's building block."""
    out, _ = conv1d.conv1d_forward(np.pad(X, ((0, 0), (left, right), (0, 0))), {"W": W, "b": b}, dilation=dilation)
    return out


def _causal_reference(X, W, b, dilation):
    return conv1d.conv1d_forward(X, {"W": W, "b": b}, dilation=dilation, causal=True)[0]


def _symmetric(X, W, b, d):
    total = d * (len(W) - 1)
    return _plain_conv(X, W, b, d, total // 2, total - total // 2)


CAUSAL_MISTAKES = (
    Mistake(lambda X, W, b, d: _plain_conv(X, W, b, d, 0, d * (len(W) - 1)),
            "you padded on the RIGHT: output t then reads inputs t, ..., t + dilation*(K - 1) -- the future. "
            "A causal convolution puts all dilation*(K - 1) zeros BEFORE the first step."),
    Mistake(_symmetric,
            "symmetric ('same') padding lets output t see inputs after t. Put all dilation*(K - 1) zeros on the "
            "left, none on the right."),
    Mistake(lambda X, W, b, d: _causal_reference(X, W[::-1], b, d),
            "your kernel is flipped: that is the mathematician's convolution. Like torch, deep learning uses "
            "cross-correlation: out[t] = b + sum_k X_pad[t + k*dilation] @ W[k], with W[0] on the OLDEST step."),
    Mistake(lambda X, W, b, d: _causal_reference(X, W, 0 * b, d),
            "the bias b is missing: add it to every output step."),
)


def _cases_causal():
    cases = []
    for seed, (N, T, C_in, C_out, K, d) in enumerate([(2, 8, 1, 1, 3, 1), (3, 10, 2, 3, 2, 2), (2, 12, 3, 2, 3, 2),
                                                      (1, 16, 2, 2, 2, 4), (2, 6, 1, 2, 1, 1), (2, 9, 2, 1, 4, 1)]):
        rng = np.random.default_rng(1500 + seed)
        args = (rng.normal(size=(N, T, C_in)), rng.normal(size=(K, C_in, C_out)), rng.normal(size=C_out), d)
        cases.append(Case(f"N={N}, T={T}, C_in={C_in}, C_out={C_out}, K={K}, dilation={d}", args))
    return cases


def _short_output(args, got):
    """A `diagnose` for check_function: name an output that is too short because of the padding amount."""
    X, W, b, d = args
    K, got = W.shape[0], got[0]
    where = f"got shape {got.shape}, expected {(X.shape[0], X.shape[1], W.shape[2])}"  # (N, T, C_out)
    if d > 1 and close(got, _plain_conv(X, W, b, d, K - 1, 0)):
        return (f"{where}.\nHint: you padded K - 1 = {K - 1} zeros, but a dilated kernel reaches "
                f"dilation*(K - 1) = {d * (K - 1)} steps back: pad that many.")
    if K > 1 and close(got, _plain_conv(X, W, b, d, 0, 0)):
        return (f"{where}.\nHint: without padding the output loses dilation*(K - 1) = {d * (K - 1)} "
                "steps. Pad that many zeros before the first step, so output t exists for every "
                "input t.")
    return None


def check_causal_conv(student_fn):
    """Exercise: `causal_conv(X, W, b, dilation=1) -> (N, T, C_out)` with X (N, T, C_in), W (K, C_in, C_out).

    out[:, t] = b + sum_k X_pad[:, t + k*dilation] @ W[k], X_pad = dilation*(K - 1) zeros then X (stride 1).
    """

    def call(X, W, b, d):
        return student_fn(X, W, b, dilation=d)

    return check_function("causal_conv", call, _causal_reference, _cases_causal(), CAUSAL_MISTAKES,
                          diagnose=_short_output)


# ---------------------------------------------------------------- chapter 05: receptive field


def _field_reference(kernel_sizes, dilations):
    return conv1d.receptive_field(kernel_sizes, dilations)


_ADD_NOT_MULTIPLY = "stacked layers ADD their reach, they do not multiply it: R = 1 + sum over layers of (k - 1) * d."
RECEPTIVE_MISTAKES = (
    Mistake(lambda ks, ds: sum((k - 1) * d for k, d in zip(ks, ds)),
            "the +1 is missing: even a stack of kernel-size-1 layers sees one input step, the current one."),
    Mistake(lambda ks, ds: 1 + sum(k - 1 for k in ks),
            "dilation is missing: a layer with kernel size k and dilation d reaches (k - 1) * d steps further back."),
    Mistake(lambda ks, ds: 1 + math.prod((k - 1) * d for k, d in zip(ks, ds)),
            _ADD_NOT_MULTIPLY),
    Mistake(lambda ks, ds: math.prod(k * d for k, d in zip(ks, ds)),
            _ADD_NOT_MULTIPLY),
    Mistake(lambda ks, ds: sum(k * d for k, d in zip(ks, ds)),
            "a window of k taps reaches k - 1 steps (times the dilation) beyond its own step: add (k - 1) * d "
            "per layer, then 1."),
)


def check_receptive_field(student_fn):
    """Exercise: `receptive_field(kernel_sizes, dilations) -> int` for a stack of stride-1 layers:

    R = 1 + sum_l (k_l - 1) * d_l.
    """
    stacks = [([3], [1]), ([2, 2, 2], [1, 1, 1]), ([2] * 4, [1, 2, 4, 8]), ([2] * 8, [1, 2, 4, 8] * 2),
              ([3, 3, 3], [1, 2, 4]), ([5, 1, 4], [2, 7, 1]), ([1], [1])]
    cases = [Case(f"kernel_sizes={ks}, dilations={ds}", (ks, ds)) for ks, ds in stacks]
    return check_number(
        "receptive_field", student_fn, _field_reference, cases, RECEPTIVE_MISTAKES, diagnose=_steps_are_whole,
        advice="Walk down from one output: each layer adds (k - 1) * d steps further into the past. Start from 1 "
        "(the output's own step) and add every layer's reach.",
    )


# ---------------------------------------------------------------- chapter 05: a convolution is a matrix


def _conv_matrix_reference(w, T):
    """Column j of M is the layer's output for the unit input e_j: (K,), T -> (T - K + 1, T)."""
    K = len(w)
    out, _ = conv1d.conv1d_forward(np.eye(T)[:, :, None], {"W": np.asarray(w, float).reshape(K, 1, 1),
                                                            "b": np.zeros(1)})
    return out[:, :, 0].T


def _banded(w, T, rows):
    """M[t, t + k] = w[k] for t < rows, clipped at the right edge: the windows run past the end when rows > T-K+1."""
    M = np.zeros((rows, T))
    for t in range(rows):
        for k, wk in enumerate(w):
            if t + k < T:
                M[t, t + k] = wk
    return M


CONV_MATRIX_MISTAKES = (
    Mistake(lambda w, T: _banded(w[::-1], T, T - len(w) + 1),
            "your kernel is flipped: that is the textbook convolution. Like torch, the layer computes a "
            "cross-correlation: out[t] = sum_k w[k] * x[t + k], so row t holds w in its own order from column t."),
    Mistake(lambda w, T: _banded(w, T, T),
            "one row per output, and there are only T - K + 1 outputs: a window of K must fit inside x "
            "(no padding), so the last K - 1 rows you built reach past the end."),
    Mistake(lambda w, T: _banded(w, T, T - len(w)) if T > len(w) else None,
            "one row short: a window of K fits in T - K + 1 positions (the first position counts too)."),
    Mistake(lambda w, T: _banded(w, T, T - len(w) + 1).T,
            "that is the transpose: M @ x must give the T - K + 1 outputs, so M has shape (T - K + 1, T), "
            "one ROW per output."),
)


def check_conv_matrix(student_fn):
    """Exercise: `conv_matrix(w, T) -> M (T - K + 1, T)` with M @ x equal to conv1d's output for x (T,), kernel w (K,).

    One input and one output channel, stride 1, no padding; out[t] = sum_k w[k] x[t + k] (cross-correlation).
    """
    rng = np.random.default_rng(1100)
    cases = [
        Case("K = 3, T = 8", (rng.normal(size=3), 8)),
        Case("K = 2, T = 5", (rng.normal(size=2), 5)),
        Case("K = 1, T = 4 (a 1-tap kernel scales x)", (rng.normal(size=1), 4)),
        Case("K = T = 4 (one output)", (rng.normal(size=4), 4)),
        Case("K = 5, T = 12", (rng.normal(size=5), 12)),
    ]
    return check_function(
        "conv_matrix", student_fn, _conv_matrix_reference, cases, CONV_MATRIX_MISTAKES,
        shape_hint="M has one row per output and one column per input step: (T - K + 1, T).",
        advice="Row t of M is the window that produces out[t]: it multiplies x[t], ..., x[t + K - 1] by "
               "w[0], ..., w[K - 1]; every other entry of the row is 0.",
    )
