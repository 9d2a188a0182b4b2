"""rnn_forward against torch.nn.RNN (float64), plus the layer contract's error messages."""

import numpy as np
import pytest
import torch

from course_utils.layers import rnn


def torch_rnn(D, H, activation, seed, bias=True):
    """A float64 nn.RNN whose weights and two biases are all random and different."""
    torch.manual_seed(seed)
    layer = torch.nn.RNN(D, H, nonlinearity=activation, batch_first=True, bias=bias).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0.0, 0.6)  # big enough to leave tanh's linear range and zero out some relus
    return layer


SHAPES = [(1, 1, 1, 1), (1, 7, 3, 4), (5, 1, 2, 3), (4, 6, 3, 5), (3, 20, 1, 8)]  # (N, T, D, H)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("with_h0", [False, True])
def test_forward_equals_torch(N, T, D, H, activation, with_h0):
    layer = torch_rnn(D, H, activation, seed=N * 100 + T * 10 + D + H)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, T, D))
    h0 = rng.normal(size=(N, H)) if with_h0 else None

    ours, cache = rnn.rnn_forward(X, rnn.params_from_torch(layer), h0=h0, activation=activation)

    h0_t = None if h0 is None else torch.from_numpy(h0)[None]  # torch wants (layers, N, H)
    expected, h_last = layer(torch.from_numpy(X), h0_t)
    assert ours.shape == (N, T, H)
    np.testing.assert_allclose(ours, expected.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours[:, -1], h_last[0].detach().numpy(), rtol=0, atol=1e-10)
    assert cache.H is ours and cache.activation == activation


def test_biases_are_summed_not_dropped():
    """If only one of torch's two biases were copied, this layer's output would differ."""
    layer = torch_rnn(2, 3, "tanh", seed=1)
    params = rnn.params_from_torch(layer)
    np.testing.assert_allclose(
        params["b_h"], (layer.bias_ih_l0 + layer.bias_hh_l0).detach().numpy(), atol=1e-15
    )
    assert not np.allclose(params["b_h"], layer.bias_ih_l0.detach().numpy())


def test_layer_without_bias():
    layer = torch_rnn(2, 3, "tanh", seed=2, bias=False)
    X = np.random.default_rng(1).normal(size=(2, 4, 2))
    ours, _ = rnn.rnn_forward(X, rnn.params_from_torch(layer))
    np.testing.assert_allclose(ours, layer(torch.from_numpy(X))[0].detach().numpy(), atol=1e-10)


def test_step_matches_one_column_of_the_sequence():
    params = rnn.init_params(3, 4, seed=0)
    params["b_h"] = np.arange(4) / 10
    X = np.random.default_rng(2).normal(size=(2, 5, 3))
    H_all, _ = rnn.rnn_forward(X, params)
    h, cache = rnn.rnn_step_forward(X[:, 2], H_all[:, 1], params)
    np.testing.assert_allclose(h, H_all[:, 2], atol=1e-14)
    assert cache.h is h and cache.h_prev.shape == (2, 4)


def test_state_carries_information_forward():
    """Changing x_1 must change every later state (the recurrence is really used)."""
    params = rnn.init_params(1, 3, seed=3)
    X = np.zeros((1, 6, 1))
    X2 = X.copy()
    X2[0, 0, 0] = 1.0
    a, _ = rnn.rnn_forward(X, params)
    b, _ = rnn.rnn_forward(X2, params)
    assert np.all(np.abs(a - b).sum(axis=2) > 0)


def test_init_params_shapes_and_determinism():
    p = rnn.init_params(3, 5, seed=7)
    assert {k: v.shape for k, v in p.items()} == {"W_xh": (3, 5), "W_hh": (5, 5), "b_h": (5,)}
    assert all(v.dtype == np.float64 for v in p.values())
    q = rnn.init_params(3, 5, seed=7)
    assert all(np.array_equal(p[k], q[k]) for k in p)
    assert np.abs(p["W_hh"]).max() <= 1 / np.sqrt(5)


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"X": np.zeros((5, 3))}, r"X must have shape \(N, T, D=3\), got \(5, 3\)"),
        ({"X": np.zeros((5, 2, 4))}, r"X must have shape \(N, T, D=3\), got \(5, 2, 4\)"),
        ({"h0": np.zeros((5, 3))}, r"h0 must have shape \(N=5, H=4\), got \(5, 3\)"),
        ({"h0": np.zeros((4,))}, r"h0 must have shape \(N=5, H=4\), got \(4,\)"),
        ({"activation": "sigmoid"}, r"activation must be one of \['relu', 'tanh'\], got 'sigmoid'"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs, pattern):
    params = rnn.init_params(3, 4, seed=0)
    args = {"X": np.zeros((5, 2, 3)), "h0": None, "activation": "tanh"} | kwargs
    with pytest.raises(ValueError, match=pattern):
        rnn.rnn_forward(args["X"], params, h0=args["h0"], activation=args["activation"])


@pytest.mark.parametrize(
    "change,pattern",
    [
        ({"W_hh": np.zeros((3, 3))}, r"^W_hh must have shape \(H=4, H=4\), got \(3, 3\)$"),
        ({"b_h": np.zeros(3)}, r"^b_h must have shape \(H=4,\), got \(3,\)$"),
        ({"W_xh": np.zeros(3)}, r"W_xh must have shape \(D, H\), got \(3,\)"),
    ],
)
def test_mismatched_params_raise(change, pattern):
    params = rnn.init_params(3, 4, seed=0) | change
    with pytest.raises(ValueError, match=pattern):
        rnn.rnn_forward(np.zeros((2, 2, 3)), params)


def test_step_errors_name_shapes():
    params = rnn.init_params(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, D=3\), got \(2, 5\)"):
        rnn.rnn_step_forward(np.zeros((2, 5)), np.zeros((2, 4)), params)
    with pytest.raises(ValueError, match=r"h_prev must have shape \(N=2, H=4\), got \(2, 3\)"):
        rnn.rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 3)), params)
    with pytest.raises(ValueError, match="missing \\['b_h'\\]"):
        rnn.rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), {"W_xh": 1, "W_hh": 1})


def test_params_from_torch_rejects_other_modules():
    with pytest.raises(ValueError, match="must be a torch.nn.RNN, got LSTM"):
        rnn.params_from_torch(torch.nn.LSTM(2, 3, batch_first=True))
    with pytest.raises(ValueError, match="batch_first=False"):
        rnn.params_from_torch(torch.nn.RNN(2, 3))
