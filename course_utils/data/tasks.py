"""Long-dependency tasks (chapters 03-04): the answer depends on a step far from the end.

- `recall_first_symbol`: name the symbol shown at the first step, a classification (chapter 03, and
  chapter 04's gated cells on the same task).
- `adding_problem`: add the two marked values of a sequence, a regression (chapter 04).

Shapes are batch-first, like the series': X is (N, T, D). The same seed gives the same data.
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import positive_int


class RecallTask(NamedTuple):
    """Inputs X (N, T, D) float32, one-hot per step, and labels y (N,) int64 in [0, n_symbols)."""

    X: np.ndarray
    y: np.ndarray


def recall_first_symbol(n_samples, T, *, n_symbols=4, n_distractors=4, seed=0):
    """Sequences whose label is the symbol seen at the FIRST step, T - 1 steps before the end.

    Step 1 shows one of `n_symbols` symbols; steps 2..T each show one of `n_distractors` other
    symbols, drawn at random (with n_distractors=0 they are blank, all zeros). A sequence-to-vector
    model reads the whole sequence and must name the first symbol at the last step, so its
    gradient has to travel back through T - 1 recurrent transitions. Guessing scores 1/n_symbols.

    Every step is a one-hot vector of D = n_symbols + n_distractors features: the first n_symbols
    features are the symbols to remember, the others the distractors. Returns a `RecallTask`
    with X (n_samples, T, D) float32 and y (n_samples,) int64; the same seed gives the same data.
    """
    positive_int("n_samples", n_samples)
    positive_int("T", T)
    positive_int("n_symbols", n_symbols)
    if n_symbols < 2:
        raise ValueError(f"n_symbols must be at least 2 (one symbol leaves nothing to recall), got {n_symbols}")
    positive_int("n_distractors", n_distractors, minimum=0)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_symbols, size=n_samples)  # (N,)
    X = np.zeros((n_samples, T, n_symbols + n_distractors), dtype=np.float32)
    rows = np.arange(n_samples)
    X[rows, 0, y] = 1.0  # the symbol to remember
    if n_distractors and T > 1:
        noise = rng.integers(0, n_distractors, size=(n_samples, T - 1))  # (N, T-1)
        X[rows[:, None], np.arange(1, T), n_symbols + noise] = 1.0
    return RecallTask(X, y.astype(np.int64))


def adding_problem(n_samples, T, *, seed=0):
    """The adding problem: add the two marked values of a sequence of random numbers.

    Each step has D = 2 features: a value v_t ~ U[0, 1) and a marker that is 1 at exactly two
    steps, one drawn from the first half [0, T//2) and one from the second half [T//2, T), and 0
    elsewhere. The target is the sum of the two marked values, so a model reading the sequence
    must carry the first one across at least T - T//2 steps. Predicting the constant 1.0 scores an
    expected MSE of 1/6 (the variance of a sum of two uniforms): the baseline to beat.

    Returns X (n_samples, T, 2) float32 and y (n_samples, 1) float32; the same seed gives the same data.
    """
    positive_int("n_samples", n_samples)
    positive_int("T", T)
    if T < 2:
        raise ValueError(f"T must be at least 2 (two marked steps), got {T}")
    rng = np.random.default_rng(seed)
    values = rng.random((n_samples, T))  # (N, T)
    half = T // 2
    first = rng.integers(0, half, size=n_samples)  # (N,)
    second = rng.integers(half, T, size=n_samples)  # (N,)
    rows = np.arange(n_samples)
    markers = np.zeros((n_samples, T))
    markers[rows, first] = markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=2).astype(np.float32)  # (N, T, 2)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)  # (N, 1)
    return X, y
