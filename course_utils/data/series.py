"""Time series to forecast (chapters 01-05).

Shapes are batch-first: a batch of series is `(N, T, 1)` (N series, T time steps, one feature).

- `generate_time_series` draws the textbook's synthetic series (two sines plus noise), bit for bit.
- `Split` / `split_series` cut a batch into the standard train / validation / test parts
  (7,000 / 2,000 / 1,000 of 10,000 series).
- `single_step_data`, `multi_step_data` and `seq2seq_targets` build the three forecasting targets.
- `load_sunspots` and `windows` give a real series (monthly sunspot numbers) and its sliding windows.
- `series_parameters`, `phase_features` and `vector_to_sequence_data`: the numbers behind each synthetic series,
  as the input of a vector-to-sequence task whose target is the series itself (chapter 01).

The long-dependency tasks of chapters 03-04 are in `tasks`.
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np

from course_utils._checks import check_shape, positive_int

N_TRAIN, N_VALID, N_TEST = 7000, 2000, 1000
DATA_DIR = Path(__file__).resolve().parent.parent / "datasets"


def generate_time_series(batch_size, n_steps, *, seed=42):
    """Synthetic series: two sines with random frequencies and offsets, plus uniform noise.

    Each series is 0.5 sin((t - o1)(10 f1 + 10)) + 0.2 sin((t - o2)(20 f2 + 20)) + 0.1 (u - 0.5)
    on t in [0, 1] sampled at `n_steps` points, with f1, f2, o1, o2, u ~ U[0, 1). The draws come
    from `np.random.RandomState(seed)` in the order f1, f2, o1, o2, then the noise, so the
    numbers match the textbook's series exactly.

    Returns a float32 array of shape (batch_size, n_steps, 1).
    """
    positive_int("batch_size", batch_size)
    positive_int("n_steps", n_steps)
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
    """Train, validation and test parts of one data set, in time order."""

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
    positive_int("ahead", ahead)
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


def series_parameters(batch_size, *, seed=42):
    """The four numbers that `generate_time_series(batch_size, ..., seed=seed)` draws for each series.

    Returns a float32 array of shape (batch_size, 4): columns f1, f2, o1, o2 (frequencies and offsets,
    each in [0, 1)), the same draws in the same order, so row i describes series i of that call
    (the noise is drawn afterwards and is not part of it).
    """
    positive_int("batch_size", batch_size)
    draws = np.random.RandomState(seed).rand(4, batch_size)  # (4, N): f1, f2, o1, o2
    return draws.T.astype(np.float32)  # (N, 4)


def phase_features(params):
    """The parameters of `series_parameters` in a form a network can read: (N, 4) -> (N, 6).

    Series = 0.5 sin(w1 t + p1) + 0.2 sin(w2 t + p2) with w1 = 10 f1 + 10, p1 = -o1 w1 (and w2 = 20 f2 + 20,
    p2 = -o2 w2). A phase wraps around several times as an offset goes from 0 to 1, so the offsets
    themselves are a jagged input; the features are f1, f2 and each sine's starting point on its circle:
    f1, f2, sin p1, cos p1, sin p2, cos p2.
    """
    params = check_shape("params", params, ("N", 4))
    f1, f2, o1, o2 = params.T.astype(np.float64)  # each (N,)
    p1, p2 = -o1 * (10 * f1 + 10), -o2 * (20 * f2 + 20)
    return np.stack([f1, f2, np.sin(p1), np.cos(p1), np.sin(p2), np.cos(p2)], axis=1).astype(np.float32)


def vector_to_sequence_data(n_series=10_000, n_steps=50, *, seed=42):
    """A vector-to-sequence task: from the numbers behind a series, write the whole series.

    Inputs X (N, 6): `phase_features` of `series_parameters`; targets y (N, n_steps): the series of
    `generate_time_series`, noise included (its variance 0.1**2 / 12 ~ 0.00083 is the lowest MSE a
    model can expect). Split 7,000 / 2,000 / 1,000 like the forecasting tasks.
    """
    params = series_parameters(n_series, seed=seed)
    series = generate_time_series(n_series, n_steps, seed=seed)
    return split_series(phase_features(params), series[:, :, 0])


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
    positive_int("n_steps", n_steps)
    positive_int("ahead", ahead)
    m = len(values) - n_steps - ahead + 1
    if m < 1:
        raise ValueError(f"a series of length {len(values)} is too short for n_steps={n_steps}, ahead={ahead}")
    idx = np.arange(m)[:, None] + np.arange(n_steps + ahead)  # (M, n_steps + ahead)
    chunks = values[idx]
    return chunks[:, :n_steps, None], chunks[:, n_steps:]
