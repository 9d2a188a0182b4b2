"""The synthetic series reproduce the published baseline; splits and targets line up."""

import numpy as np
import pytest

from course_utils import data


def test_naive_baseline_matches_the_published_figure():
    """Textbook: last observed value as forecast, validation MSE 0.020211 on the standard split."""
    s = data.single_step_data()
    assert s.train.X.shape == (7000, 50, 1) and s.valid.X.shape == (2000, 50, 1) and s.test.X.shape == (1000, 50, 1)
    assert s.train.y.shape == (7000, 1)
    mse = np.mean((s.valid.X[:, -1] - s.valid.y) ** 2)
    assert round(float(mse), 6) == 0.020211


def test_ten_step_naive_matches_the_published_figure():
    m = data.multi_step_data()
    assert m.valid.y.shape == (2000, 10)
    mse = np.mean((m.valid.X[:, -1] - m.valid.y) ** 2)  # (N, 1) broadcast over the 10 steps
    assert round(float(mse), 3) == 0.257


def test_series_properties():
    a = data.generate_time_series(4, 30, seed=1)
    assert a.shape == (4, 30, 1) and a.dtype == np.float32
    assert np.array_equal(a, data.generate_time_series(4, 30, seed=1))
    assert not np.array_equal(a, data.generate_time_series(4, 30, seed=2))
    assert np.abs(a).max() <= 0.5 + 0.2 + 0.05 + 1e-6  # the two amplitudes plus half the noise width
    with pytest.raises(ValueError, match="n_steps must be a positive int, got 0"):
        data.generate_time_series(3, 0)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 2.5"):
        data.generate_time_series(2.5, 10)


def test_seq2seq_targets_shift_the_series():
    series = data.generate_time_series(3, 8 + 4, seed=0)
    Y = data.seq2seq_targets(series, 8, 4)
    assert Y.shape == (3, 8, 4)
    for t in range(8):
        for k in range(4):
            assert np.array_equal(Y[:, t, k], series[:, t + 1 + k, 0])
    assert np.array_equal(Y[:, -1], series[:, 8:, 0])  # the last step's targets are the multi-step ones
    with pytest.raises(ValueError, match=r"series must have shape \(N, n_steps \+ ahead = 12, 1\), got \(3, 11, 1\)"):
        data.seq2seq_targets(series[:, :11], 8, 4)


def test_split_errors():
    with pytest.raises(ValueError, match="same length, got 5 and 4"):
        data.split_series(np.zeros((5, 2)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="must be smaller than the 10 series"):
        data.split_series(np.zeros((10, 2)), np.zeros((10, 1)), n_train=8, n_valid=2)


def test_sunspots_and_windows():
    t, v = data.load_sunspots()
    assert v.shape == t.shape == (3120,)
    assert t[0] == 1749 and np.isclose(t[-1], 2008 + 11 / 12)
    assert v.min() >= 0 and 200 < v.max() < 300
    X, y = data.windows(v, 24, ahead=3)
    assert X.shape == (3120 - 24 - 3 + 1, 24, 1) and y.shape == (3094, 3)
    np.testing.assert_array_equal(X[5, :, 0], v[5:29].astype(np.float32))
    np.testing.assert_array_equal(y[5], v[29:32].astype(np.float32))
    with pytest.raises(ValueError, match=r"1-D series of shape \(L,\), got \(2, 3\)"):
        data.windows(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match="too short"):
        data.windows(np.zeros(5), 5)
