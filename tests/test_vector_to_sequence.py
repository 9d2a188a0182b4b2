"""Chapter 01's vector-to-sequence task: the series' parameters, their phase features, the decoder."""

import numpy as np
import pytest
import torch

from course_utils import data
from course_utils.models import vector_to_sequence as v2s
from course_utils.models.training import Recipe


def test_parameters_regenerate_the_series_up_to_its_noise():
    # independent oracle: the generator's formula written out from the four parameters; the noise is 0.1 (u - 0.5)
    params = data.series_parameters(300, seed=7)
    series = data.generate_time_series(300, 40, seed=7)[:, :, 0]
    f1, f2, o1, o2 = params.T[:, :, None]
    t = np.linspace(0, 1, 40)
    clean = 0.5 * np.sin((t - o1) * (f1 * 10 + 10)) + 0.2 * np.sin((t - o2) * (f2 * 20 + 20))
    assert params.shape == (300, 4) and params.dtype == np.float32
    assert np.abs(series - clean).max() <= 0.05 + 1e-6
    assert np.abs(series - clean).max() > 0.04  # the noise is really there: the bound is tight, not loose


def test_phase_features_are_the_starting_points_on_each_circle():
    params = data.series_parameters(50, seed=3)
    feats = data.phase_features(params)
    assert feats.shape == (50, 6)
    np.testing.assert_allclose(feats[:, :2], params[:, :2])
    np.testing.assert_allclose(feats[:, 2] ** 2 + feats[:, 3] ** 2, 1, atol=1e-6)
    np.testing.assert_allclose(feats[:, 4] ** 2 + feats[:, 5] ** 2, 1, atol=1e-6)
    # sin p1 with p1 = -o1 w1 is the slow sine's value at t = 0, divided by its amplitude 0.5
    f1, _, o1, _ = params.T.astype(np.float64)
    np.testing.assert_allclose(feats[:, 2], np.sin(-o1 * (10 * f1 + 10)), atol=1e-6)
    with pytest.raises(ValueError, match=r"params must have shape \(N, 4\), got \(50, 3\)"):
        data.phase_features(params[:, :3])


def test_vector_to_sequence_data_lines_up_with_the_series():
    splits = data.vector_to_sequence_data(n_steps=20, seed=5)
    series = data.generate_time_series(10_000, 20, seed=5)[:, :, 0]
    feats = data.phase_features(data.series_parameters(10_000, seed=5))
    assert [len(part.X) for part in splits] == [7000, 2000, 1000]
    X = np.concatenate([part.X for part in splits])
    y = np.concatenate([part.y for part in splits])
    assert np.array_equal(X, feats) and np.array_equal(y, series)


@pytest.mark.parametrize("condition", v2s.CONDITIONS)
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_decoder_shapes_and_causality(condition, cell):
    torch.manual_seed(0)
    model = v2s.SeriesDecoder(6, 8, 12, condition=condition, cell=cell)
    v = torch.randn(5, 6)
    out = model(v)
    assert out.shape == (5, 12)
    # a decoder writes step by step: the first 4 values do not depend on how many come after
    torch.testing.assert_close(model(v, n_steps=4), out[:, :4])


def test_initial_state_decoder_with_a_zero_vector_is_the_unconditioned_decoder():
    # oracle: the same recurrent layer and read-out run by hand from a zero state on zero inputs
    torch.manual_seed(1)
    model = v2s.SeriesDecoder(6, 8, 10, condition="initial_state", cell="lstm")
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)  # every bias random, so a hidden bias in h0 would show
        out = model(torch.zeros(3, 6))
        states, _ = model.recurrent(torch.zeros(3, 10, 1))
        expected = model.readout(states)[:, :, 0]
    torch.testing.assert_close(out, expected)
    # and a non-zero vector does change what is written
    with torch.no_grad():
        assert (model(torch.ones(3, 6)) - out).abs().max() > 1e-3


def test_every_step_decoder_reads_the_vector_at_every_step():
    # oracle: the recurrent layer fed the repeated vector explicitly, from a zero state
    torch.manual_seed(2)
    model = v2s.SeriesDecoder(6, 8, 7, condition="every_step", cell="gru")
    v = torch.randn(4, 6)
    with torch.no_grad():
        states, _ = model.recurrent(v[:, None, :].repeat(1, 7, 1), torch.zeros(1, 4, 8))
        torch.testing.assert_close(model(v), model.readout(states)[:, :, 0])


def test_decoder_errors():
    with pytest.raises(ValueError, match="condition must be one of"):
        v2s.SeriesDecoder(condition="both")
    with pytest.raises(ValueError, match=r"v must have shape \(N, F=6\), got \(2, 4\)"):
        v2s.SeriesDecoder()(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="cell must be one of"):
        v2s.SeriesDecoder(cell="transformer")


def test_mean_series_baseline():
    y_train = np.array([[0.0, 2.0], [2.0, 4.0]])
    y_eval = np.array([[1.0, 3.0], [3.0, 3.0]])
    # mean series (1, 3): errors (0, 0) and (2, 0) -> MSE 4 / 4
    assert v2s.mean_series_mse(y_train, y_eval) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"y_eval must have shape \(N, 2\), got \(2, 3\)"):
        v2s.mean_series_mse(y_train, np.zeros((2, 3)))


def test_a_short_training_beats_the_mean_series_and_repeats():
    X = data.phase_features(data.series_parameters(1300, seed=0))
    y = data.generate_time_series(1300, 20, seed=0)[:, :, 0]
    splits = data.split_series(X, y, n_train=1000, n_valid=200)
    recipe = Recipe(epochs=10, batch_size=32, max_lr=1e-2, clip_norm=1.0)
    _, history, score = v2s.train_decoder("every_step", splits, hidden_size=16, recipe=recipe, seed=0)
    _, _, again = v2s.train_decoder("every_step", splits, hidden_size=16, recipe=recipe, seed=0)
    assert score == again
    assert score < v2s.mean_series_mse(splits.train.y, splits.valid.y) / 2
    assert len(history.valid_loss) == 10
