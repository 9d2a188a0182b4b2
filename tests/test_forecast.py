"""Chapter 01's forecasting models: shapes, Keras-like initialisation, baselines, targets, repeatability."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from course_utils import data
from course_utils.models import forecast, sunspots
from course_utils.models.training import Recipe, predict
from course_utils.seed import set_seed


def batch(N=5, T=50, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(N, T, 1)).astype(np.float32))


# ---------------------------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: forecast.LinearForecaster(50, 1), (5, 1)),
        (lambda: forecast.LinearForecaster(50, 10), (5, 10)),
        (forecast.OneUnitRNN, (5, 1)),
        (forecast.DeepRNN, (5, 1)),
        (forecast.DeepRNNDense, (5, 1)),
        (lambda: forecast.DeepRNNDense(ahead=10), (5, 10)),
        (forecast.Seq2SeqRNN, (5, 50, 10)),
        (lambda: forecast.Seq2SeqRNN(cell="lstm"), (5, 50, 10)),
        (lambda: forecast.Seq2SeqRNN(cell="gru"), (5, 50, 10)),
        (forecast.ConvGRU, (5, 24, 10)),
        (forecast.WaveNet, (5, 50, 10)),
    ],
)
def test_output_shapes(make, shape):
    torch.manual_seed(0)
    assert tuple(make()(batch()).shape) == shape


def test_every_table_model_matches_its_targets():
    """Each model of MODELS outputs exactly the shape of the targets `task_data` gives it."""
    assert set(forecast.RECIPES) == set(forecast.MODELS)
    assert set(forecast.MODELS) < set(forecast.PUBLISHED_MSE)
    for key, make in forecast.MODELS.items():
        valid = forecast.task_data(key).valid
        torch.manual_seed(0)
        assert predict(make(), valid.X[:4]).shape == valid.y[:4].shape, key


def test_one_unit_and_deep_rnn_return_their_last_hidden_state():
    torch.manual_seed(0)
    model, X = forecast.DeepRNN(), batch(T=12)
    states, _ = model.rnn(X)
    outputs, _ = model.output_rnn(states)  # (N, T, 1): the one-unit layer's state at every step
    torch.testing.assert_close(model(X), outputs[:, -1])
    one = forecast.OneUnitRNN()
    torch.testing.assert_close(one(X), one.rnn(X)[0][:, -1])


@pytest.mark.parametrize("cell, layer", [("rnn", torch.nn.RNN), ("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)])
def test_seq2seq_applies_the_dense_layer_at_every_step(cell, layer):
    torch.manual_seed(0)
    model, X = forecast.Seq2SeqRNN(cell=cell), batch(T=8)
    assert type(model.rnn) is layer and model.rnn.num_layers == 2
    Y = model(X)
    for t in (0, 3, 7):  # the prefix X[:, :t+1] alone determines the output at step t
        torch.testing.assert_close(Y[:, t], model(X[:, : t + 1])[:, -1])


def _changed_steps(model, X, t):
    """Output steps whose value changes when the inputs from step t on are replaced by new noise."""
    X2 = X.clone()
    X2[:, t:] = torch.randn(X2[:, t:].shape, generator=torch.Generator().manual_seed(t))
    with torch.no_grad():
        diff = (model(X) - model(X2)).abs().amax(dim=(0, 2))  # (T_out,)
    return torch.nonzero(diff > 0).ravel().tolist()


def test_wavenet_is_causal_with_a_receptive_field_of_31():
    torch.manual_seed(0)
    model, X = forecast.WaveNet(), batch(N=3, T=50)
    assert [m.dilation[0] for m in model.stack if isinstance(m, nn.Conv1d)] == [1, 2, 4, 8] * 2
    for t in (0, 10, 37, 49):  # perturbing inputs t.. changes outputs t.. and never an earlier one
        assert _changed_steps(model, X, t) == list(range(t, 50)), t
    X2 = X.clone()
    X2[:, 10] += 1.0  # one input reaches outputs 10 .. 10 + 30 and no further: receptive field 31
    with torch.no_grad():
        changed = torch.nonzero((model(X) - model(X2)).abs().amax(dim=(0, 2)) > 0).ravel().tolist()
    assert changed[0] == 10 and changed[-1] == 40


def test_conv_gru_output_k_sees_inputs_up_to_2k_plus_3():
    """Output step k has read inputs 0 .. 2k + 3 (the GRU reads the conv's steps in order) and nothing later."""
    torch.manual_seed(0)
    model, X = forecast.ConvGRU(), batch(N=3, T=50)
    for k in (0, 5, 23):
        if 2 * k + 4 < 50:
            assert min(_changed_steps(model, X, 2 * k + 4)) == k + 1, k  # input 2k+4 first reaches output k+1
        assert k in _changed_steps(model, X, 2 * k + 3), k  # input 2k+3 is inside output k's window


def test_conv_gru_targets_are_the_seq2seq_targets_after_each_window():
    conv, seq = forecast.task_data("conv_gru"), forecast.task_data("seq2seq")
    for part_conv, part_seq in zip(conv, seq):
        np.testing.assert_array_equal(part_conv.X, part_seq.X)
        assert part_conv.y.shape == (len(part_seq.X), 24, 10)
        np.testing.assert_array_equal(part_conv.y, part_seq.y[:, 3::2])
    np.testing.assert_array_equal(conv.valid.y[:, -1], data.multi_step_data().valid.y)  # scored like seq2seq
    # output k's window ends at input 2k + 3, and its targets are the ten values after that step
    np.testing.assert_array_equal(conv.valid.y[:, 4, :], conv.valid.X[:, 12:22, 0])
    assert forecast.conv_gru_targets(seq.valid.y).shape[1] == (50 - 4) // 2 + 1


def test_conv_models_are_scored_on_the_last_step():
    assert {"conv_gru", "wavenet"} <= forecast.SEQUENCE_KEYS
    recipe = Recipe(epochs=1, batch_size=1000, max_lr=1e-2)
    set_seed(0)
    model, _, score = forecast.train_model("wavenet", recipe, progress=False)
    valid = forecast.task_data("wavenet").valid
    assert score == pytest.approx(forecast.last_step_mse(predict(model, valid.X), valid.y))


# ---------------------------------------------------------------------------------------------- init


def test_keras_init_on_the_deep_rnn_with_dense_output():
    torch.manual_seed(0)
    model = forecast.DeepRNNDense(hidden_size=20, num_layers=2)
    eye = torch.eye(20)
    for layer in (0, 1):
        W_hh = getattr(model.rnn, f"weight_hh_l{layer}").detach()
        torch.testing.assert_close(W_hh @ W_hh.T, eye, atol=1e-5, rtol=0)  # orthogonal
        for kind in ("ih", "hh"):
            assert torch.count_nonzero(getattr(model.rnn, f"bias_{kind}_l{layer}")) == 0
    for weight, fan_in, fan_out in [
        (model.rnn.weight_ih_l0, 1, 20),
        (model.rnn.weight_ih_l1, 20, 20),
        (model.dense.weight, 20, 1),
    ]:
        bound = math.sqrt(6 / (fan_in + fan_out))  # Glorot-uniform: U(-bound, bound)
        largest = weight.detach().abs().max().item()
        assert 0.5 * bound < largest <= bound, (tuple(weight.shape), largest, bound)
    assert torch.count_nonzero(model.dense.bias) == 0


def test_keras_init_of_conv1d_is_glorot_uniform_with_zero_bias():
    torch.manual_seed(0)
    conv = forecast.keras_init(nn.Conv1d(20, 30, kernel_size=4, dilation=2))
    bound = math.sqrt(6 / ((20 + 30) * 4))  # Keras: fan_in = C_in * K, fan_out = C_out * K
    largest = conv.weight.detach().abs().max().item()
    assert 0.9 * bound < largest <= bound
    assert torch.count_nonzero(conv.bias) == 0
    torch.manual_seed(0)
    wavenet, conv_gru = forecast.WaveNet(), forecast.ConvGRU()
    for layer in [m for m in wavenet.modules() if isinstance(m, nn.Conv1d)] + [conv_gru.conv]:
        assert torch.count_nonzero(layer.bias) == 0
        C_out, C_in, K = layer.weight.shape
        assert layer.weight.detach().abs().max().item() <= math.sqrt(6 / ((C_in + C_out) * K))
    W = conv_gru.rnn.weight_hh_l0.detach()  # the GRU behind the convolution starts orthogonal too
    torch.testing.assert_close(W.T @ W, torch.eye(20), atol=1e-5, rtol=0)


def test_torch_init_is_left_alone_when_asked():
    torch.manual_seed(0)
    model = forecast.DeepRNNDense(init="torch")
    assert torch.count_nonzero(model.rnn.bias_ih_l0) > 0  # torch's default draws biases
    W = model.rnn.weight_hh_l0.detach()
    assert not torch.allclose(W @ W.T, torch.eye(20), atol=1e-3)
    with pytest.raises(ValueError, match="init must be 'keras' or 'torch', got 'glorot'"):
        forecast.LinearForecaster(init="glorot")


def test_keras_init_sets_the_lstm_forget_bias_to_one():
    torch.manual_seed(0)
    lstm = forecast.keras_init(nn.LSTM(3, 4))
    torch.testing.assert_close(lstm.bias_ih_l0.detach(), torch.tensor([0.0] * 4 + [1.0] * 4 + [0.0] * 8))
    assert torch.count_nonzero(lstm.bias_hh_l0) == 0
    W = lstm.weight_hh_l0.detach()  # (4H, H): orthonormal columns
    torch.testing.assert_close(W.T @ W, torch.eye(4), atol=1e-5, rtol=0)


def test_one_unit_rnn_starts_with_recurrent_weight_plus_or_minus_one():
    torch.manual_seed(0)
    assert abs(forecast.OneUnitRNN().rnn.weight_hh_l0.item()) == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------- forecasts


def test_naive_forecast_repeats_the_last_value():
    X = np.random.default_rng(0).normal(size=(4, 7, 1))
    np.testing.assert_array_equal(forecast.naive_forecast(X), X[:, -1])
    expected = np.stack([X[:, 6, 0], X[:, 6, 0], X[:, 6, 0]], axis=1)  # (4, 3)
    np.testing.assert_array_equal(forecast.naive_forecast(X, ahead=3), expected)
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, 1\), got \(4, 7\)"):
        forecast.naive_forecast(X[..., 0])
    with pytest.raises(ValueError, match="ahead must be a positive int, got 0"):
        forecast.naive_forecast(X, ahead=0)


def test_iterative_forecast_equals_a_hand_written_loop():
    torch.manual_seed(0)
    model, X = forecast.DeepRNNDense(), batch(N=6, T=20)
    window = X.clone()
    with torch.no_grad():
        for _ in range(4):
            window = torch.cat([window, model(window)[:, None, :]], dim=1)  # (N, T + k, 1)
    expected = window[:, 20:, 0].numpy()
    np.testing.assert_allclose(forecast.iterative_forecast(model, X.numpy(), ahead=4), expected, rtol=1e-5, atol=1e-6)


def test_iterative_forecast_needs_a_one_step_model():
    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"model must forecast one step, shape \(N, 1\), got \(6, 10\)"):
        forecast.iterative_forecast(forecast.DeepRNNDense(ahead=10), batch(N=6, T=20).numpy())


def test_seq2seq_is_trained_on_sequence_targets_and_scored_on_the_last_step():
    seq, multi = forecast.task_data("seq2seq"), data.multi_step_data()
    assert seq.train.y.shape == (7000, 50, 10)
    np.testing.assert_array_equal(seq.valid.X, multi.valid.X)
    np.testing.assert_array_equal(seq.valid.y[:, -1], multi.valid.y)  # last step = the ten-step targets
    np.testing.assert_array_equal(seq.valid.y[:, 10, :], seq.valid.X[:, 11:21, 0])  # step t sees t+1 .. t+10
    Y = seq.valid.y[:20]
    wrong_early = Y.copy()
    wrong_early[:, :-1] += 1.0
    assert forecast.last_step_mse(wrong_early, Y) == 0.0
    wrong_last = Y.copy()
    wrong_last[:, -1] += 0.5
    assert forecast.last_step_mse(wrong_last, Y) == pytest.approx(0.25)


def test_task_data_rejects_unknown_keys():
    with pytest.raises(ValueError, match="key must be one of"):
        forecast.task_data("transformer")
    with pytest.raises(ValueError, match=r"cell must be one of \['gru', 'lstm', 'rnn'\], got 'lstn'"):
        forecast.Seq2SeqRNN(cell="lstn")


def test_gated_seq2seq_models_start_like_keras():
    """keras_init reaches the LSTM and GRU layers too: orthogonal recurrent weights, forget bias 1."""
    torch.manual_seed(0)
    lstm = forecast.Seq2SeqRNN(cell="lstm").rnn
    torch.manual_seed(0)
    gru = forecast.Seq2SeqRNN(cell="gru").rnn
    H = 20
    for layer, n_gates in ((lstm, 4), (gru, 3)):
        W = layer.weight_hh_l1.detach()  # (n_gates * H, H): orthogonal columns
        torch.testing.assert_close(W.T @ W, torch.eye(H), atol=1e-5, rtol=0)
        assert W.shape == (n_gates * H, H)
    forget = slice(H, 2 * H)  # torch orders an LSTM's gates i, f, g, o
    for l in (0, 1):
        total = getattr(lstm, f"bias_ih_l{l}").detach() + getattr(lstm, f"bias_hh_l{l}").detach()
        torch.testing.assert_close(total[forget], torch.ones(H))
        assert torch.count_nonzero(total) == H
    assert all(torch.count_nonzero(b) == 0 for name, b in gru.named_parameters() if name.startswith("bias"))


def test_training_a_table_model_is_repeatable():
    recipe = Recipe(epochs=1, batch_size=500, max_lr=1e-2)
    runs = []
    for _ in range(2):
        set_seed(42)
        _, history, score = forecast.train_model("deep_rnn_dense", recipe, progress=False)
        runs.append((history.train_loss, history.valid_loss, score))
    assert runs[0] == runs[1]
    assert runs[0][2] < 0.2  # it learned something: the untrained output is ~0.25 away


# ---------------------------------------------------------------------------------------------- sunspots


def test_sunspot_split_is_chronological_and_scaled():
    setup = sunspots.SunspotSetup(n_steps=24, ahead=1)
    splits, mean, std = sunspots.sunspot_data(setup)
    _, values = data.load_sunspots()
    sizes = [len(part.X) for part in splits]
    assert sum(sizes) == len(values) - 24
    assert sizes[0] == int(0.7 * sum(sizes)) and sizes[1] == int(0.15 * sum(sizes))
    targets = np.concatenate([part.y[:, 0] for part in splits]) * std + mean
    np.testing.assert_allclose(targets, values[24:], rtol=1e-4, atol=1e-3)  # in time order, no gaps
    assert abs(splits.train.y.mean()) < 0.05 and abs(splits.train.y.std() - 1) < 0.05
