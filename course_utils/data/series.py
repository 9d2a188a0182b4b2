"""Data for the course: time series to forecast and long-dependency tasks.

Shapes are batch-first: a batch of series is `(N, T, 1)` (N series, T time steps, one feature).

- `generate_time_series` draws the textbook's synthetic series (two sines plus noise), bit for bit.
- `Split` / `split_series` cut a batch into the standard train / validation / test parts
  (7,000 / 2,000 / 1,000 of 10,000 series).
- `single_step_data`, `multi_step_data` and `seq2seq_targets` build the three forecasting targets.
- `load_sunspots` and `windows` give a real series (monthly sunspot numbers) and its sliding windows.
- `recall_first_symbol` and `adding_problem` are long-dependency tasks (chapters 03 and 04).
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np

N_TRAIN, N_VALID, N_TEST = 7000, 2000, 1000
DATA_DIR = Path(__file__).resolve().parent.parent / "datasets"


def _check_positive_int(name, value):
    """int(value), or a ValueError naming `name` unless value is an int >= 1 (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def generate_time_series(batch_size, n_steps, *, seed=42):
    """Synthetic series: two sines with random frequencies and offsets, plus uniform noise.

    Each series is 0.5 sin((t - o1)(10 f1 + 10)) + 0.2 sin((t - o2)(20 f2 + 20)) + 0.1 (u - 0.5)
    on t in [0, 1] sampled at `n_steps` points, with f1, f2, o1, o2, u ~ U[0, 1). The draws come
    from `np.random.RandomState(seed)` in the order f1, f2, o1, o2, then the noise, so the
    numbers match the textbook's series exactly.

    Returns a float32 array of shape (batch_size, n_steps, 1).
    """
    _check_positive_int("batch_size", batch_size)
    _check_positive_int("n_steps", n_steps)
    rng = np.random.RandomState(seed)
    freq1, freq2, offset1, offset2 = rng.rand(4, batch_size, 1)  # each (N, 1)
    t = np.linspace(0, 1, n_steps)  # (T,)
    series = 0.5 * np.sin((t - offset1) * (freq1 * 10 + 10))  # (N, T)
    series += 0.2 * np.sin((t - offset2) * (freq2 * 20 + 20))
    series += 0.1 * (rng.rand(batch_size, n_steps) - 0.5)
    return series[..., np.newaxis].astype(np.float32)  # (N, T, 1)


class Split(NamedTuple):
    """Inputs and targets of one part of the data (train, valid or test)."""

    X: np.ndarray
    y: np.ndarray


class Splits(NamedTuple):
    train: Split
    valid: Split
    test: Split


def split_series(X, y, *, n_train=N_TRAIN, n_valid=N_VALID):
    """Cut inputs and targets along the first axis: [:n_train], [n_train:n_train+n_valid], the rest."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if n_train + n_valid >= len(X):
        raise ValueError(
            f"n_train + n_valid must be smaller than the {len(X)} series, got {n_train} + {n_valid}"
        )
    a, b = n_train, n_train + n_valid
    return Splits(Split(X[:a], y[:a]), Split(X[a:b], y[a:b]), Split(X[b:], y[b:]))


def single_step_data(n_series=10_000, n_steps=50, *, seed=42):
    """The standard one-step task: inputs (N, n_steps, 1), target the next value (N, 1)."""
    series = generate_time_series(n_series, n_steps + 1, seed=seed)
    return split_series(series[:, :n_steps], series[:, -1])


def multi_step_data(n_series=10_000, n_steps=50, ahead=10, *, seed=42):
    """The k-steps-ahead task: inputs (N, n_steps, 1), targets the next `ahead` values (N, ahead)."""
    _check_positive_int("ahead", ahead)
    series = generate_time_series(n_series, n_steps + ahead, seed=seed)
    return split_series(series[:, :n_steps], series[:, n_steps:, 0])


def seq2seq_targets(series, n_steps, ahead):
    """Targets for sequence-to-sequence training.

    series: (N, n_steps + ahead, 1). Returns Y of shape (N, n_steps, ahead) with
    Y[:, t, k] = series[:, t + 1 + k, 0]: at every step t the model forecasts the next `ahead` values.
    The last step's targets, Y[:, -1], are the usual multi-step targets.
    """
    series = np.asarray(series)
    if series.ndim != 3 or series.shape[1] != n_steps + ahead or series.shape[2] != 1:
        raise ValueError(
            f"series must have shape (N, n_steps + ahead = {n_steps + ahead}, 1), got {series.shape}"
        )
    Y = np.empty((len(series), n_steps, ahead), dtype=series.dtype)
    for k in range(ahead):
        Y[:, :, k] = series[:, k + 1 : k + 1 + n_steps, 0]
    return Y


def seq2seq_data(n_series=10_000, n_steps=50, ahead=10, *, seed=42):
    """Inputs (N, n_steps, 1) and sequence targets (N, n_steps, ahead), split 7,000/2,000/1,000."""
    series = generate_time_series(n_series, n_steps + ahead, seed=seed)
    return split_series(series[:, :n_steps], seq2seq_targets(series, n_steps, ahead))


def load_sunspots():
    """Monthly mean sunspot numbers, January 1749 to December 2008 (public domain; see datasets/README.md).

    Returns (t, values): two float64 arrays of shape (3120,), t in decimal years (1749.0, 1749.083, ...).
    """
    table = np.loadtxt(DATA_DIR / "sunspots_monthly.csv", delimiter=",", skiprows=1)  # (3120, 3)
    return table[:, 0] + (table[:, 1] - 1) / 12, table[:, 2]


def windows(values, n_steps, ahead=1):
    """Every window of a 1-D series: inputs (M, n_steps, 1) and the next `ahead` values (M, ahead).

    M = len(values) - n_steps - ahead + 1. Windows keep their time order, so slicing them by
    position gives a chronological train/validation/test split.
    """
    values = np.asarray(values, dtype=np.float32)
    if values.ndim != 1:
        raise ValueError(f"values must be a 1-D series of shape (L,), got {values.shape}")
    _check_positive_int("n_steps", n_steps)
    _check_positive_int("ahead", ahead)
    m = len(values) - n_steps - ahead + 1
    if m < 1:
        raise ValueError(f"a series of length {len(values)} is too short for n_steps={n_steps}, ahead={ahead}")
    idx = np.arange(m)[:, None] + np.arange(n_steps + ahead)  # (M, n_steps + ahead)
    chunks = values[idx]
    return chunks[:, :n_steps, None], chunks[:, n_steps:]


# ---------------------------------------------------------------- a long-term dependency (chapters 03-04)


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
    _check_positive_int("n_samples", n_samples)
    _check_positive_int("T", T)
    _check_positive_int("n_symbols", n_symbols)
    if n_symbols < 2:
        raise ValueError(f"n_symbols must be at least 2 (one symbol leaves nothing to recall), got {n_symbols}")
    if isinstance(n_distractors, bool) or not isinstance(n_distractors, (int, np.integer)) or n_distractors < 0:
        raise ValueError(f"n_distractors must be an int >= 0, got {n_distractors!r}")
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
    _check_positive_int("n_samples", n_samples)
    _check_positive_int("T", T)
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
