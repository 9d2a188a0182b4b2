"""The bidirectional wrapper over rnn, lstm and gru against torch's bidirectional=True (float64):
outputs, and every gradient by autograd."""

import copy

import numpy as np
import pytest
import torch

from course_utils.layers import bidirectional, gru, lstm, rnn

# (torch class, extra constructor kwargs, our forward function, extra kwargs for it)
LAYERS = {
    "rnn_tanh": (torch.nn.RNN, {"nonlinearity": "tanh"}, rnn.rnn_forward, {"activation": "tanh"}),
    "rnn_relu": (torch.nn.RNN, {"nonlinearity": "relu"}, rnn.rnn_forward, {"activation": "relu"}),
    "lstm": (torch.nn.LSTM, {}, lstm.lstm_forward, {}),
    "gru": (torch.nn.GRU, {}, gru.gru_forward, {}),
}
SHAPES = [(1, 1, 1, 1), (1, 6, 3, 4), (4, 1, 2, 3), (3, 5, 2, 4)]  # (N, T, D, H)


def torch_bidirectional(kind, D, H, seed):
    """A float64 bidirectional layer whose weights and biases (both directions, both biases) are all random."""
    cls, extra, _, _ = LAYERS[kind]
    torch.manual_seed(seed)
    layer = cls(D, H, batch_first=True, bidirectional=True, **extra).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0.0, 0.6)
    return layer


def random_states(kind, N, H, rng):
    """Initial states for torch ((2, N, H) each) and for our two directions."""
    h0 = rng.normal(size=(2, N, H))
    if kind != "lstm":
        return torch.tensor(h0, requires_grad=True), {"h0": h0[0]}, {"h0": h0[1]}
    c0 = rng.normal(size=(2, N, H))
    torch_states = (torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True))
    return torch_states, {"h0": h0[0], "c0": c0[0]}, {"h0": h0[1], "c0": c0[1]}


def grads_in_our_names(layer, kind):
    """torch's parameter gradients, read into our names by the same loader that reads weights.

    Where our bias is b_ih + b_hh its gradient equals each of theirs; the copy keeps bias_ih's and
    zeroes bias_hh's so the loader's sum gives it once (GRU's candidate biases stay separate).
    """
    twin = copy.deepcopy(layer)
    H = layer.hidden_size
    with torch.no_grad():
        for name, p in twin.named_parameters():
            grad = dict(layer.named_parameters())[name].grad.clone()
            if name.startswith("bias_hh"):
                summed = slice(0, 2 * H) if kind == "gru" else slice(None)
                ih = dict(layer.named_parameters())[name.replace("bias_hh", "bias_ih")].grad
                np.testing.assert_allclose(grad[summed].numpy(), ih[summed].numpy(), atol=1e-12)
                grad[summed] = 0.0
            p.copy_(grad)
    return bidirectional.params_from_torch(twin)


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("with_states", [False, True])
def test_forward_equals_torch(kind, N, T, D, H, with_states):
    layer = torch_bidirectional(kind, D, H, seed=N + 10 * T + 100 * H)
    _, _, forward_fn, kwargs = LAYERS[kind]
    rng = np.random.default_rng(T)
    X = rng.normal(size=(N, T, D))
    torch_states, states_fwd, states_bwd = random_states(kind, N, H, rng)
    if not with_states:
        torch_states = states_fwd = states_bwd = None

    params_fwd, params_bwd = bidirectional.params_from_torch(layer)
    ours, cache = bidirectional.bidirectional_forward(
        X, params_fwd, params_bwd, forward_fn, states_fwd=states_fwd, states_bwd=states_bwd, **kwargs
    )
    expected, _ = layer(torch.from_numpy(X), torch_states)
    assert ours.shape == (N, T, 2 * H) and cache.H_fwd == H
    np.testing.assert_allclose(ours, expected.detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("kind", LAYERS)
@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_equals_torch(kind, N, T, D, H):
    layer = torch_bidirectional(kind, D, H, seed=N + 10 * T + 100 * H + 1)
    _, _, forward_fn, kwargs = LAYERS[kind]
    rng = np.random.default_rng(T + 1)
    X, dout = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, 2 * H))
    torch_states, states_fwd, states_bwd = random_states(kind, N, H, rng)

    params_fwd, params_bwd = bidirectional.params_from_torch(layer)
    _, cache = bidirectional.bidirectional_forward(
        X, params_fwd, params_bwd, forward_fn, states_fwd=states_fwd, states_bwd=states_bwd, **kwargs
    )
    ours = bidirectional.bidirectional_backward(dout, cache)

    X_t = torch.tensor(X, requires_grad=True)
    layer.zero_grad()
    out, _ = layer(X_t, torch_states)
    (out * torch.from_numpy(dout)).sum().backward()
    np.testing.assert_allclose(ours["X"], X_t.grad.numpy(), rtol=0, atol=1e-9)
    expected_fwd, expected_bwd = grads_in_our_names(layer, kind)
    state_names = ("h0", "c0") if kind == "lstm" else ("h0",)
    for j, state in enumerate(torch_states if kind == "lstm" else (torch_states,)):
        expected_fwd[state_names[j]], expected_bwd[state_names[j]] = state.grad.numpy()
    for ours_dir, expected in ((ours["fwd"], expected_fwd), (ours["bwd"], expected_bwd)):
        assert set(ours_dir) - {"X"} == set(expected)
        for key, value in expected.items():
            np.testing.assert_allclose(ours_dir[key], value, rtol=0, atol=1e-9, err_msg=key)


def test_each_half_sees_only_its_side_of_the_sequence():
    """Changing x_1 moves every forward state but only the backward state at t = 1."""
    params_fwd, params_bwd = (lstm.init_params(2, 3, seed=s) for s in (0, 1))
    X = np.random.default_rng(0).normal(size=(1, 5, 2))
    X2 = X.copy()
    X2[0, 0] += 1.0
    a, _ = bidirectional.bidirectional_forward(X, params_fwd, params_bwd, lstm.lstm_forward)
    b, _ = bidirectional.bidirectional_forward(X2, params_fwd, params_bwd, lstm.lstm_forward)
    moved = np.abs(a - b).sum(axis=2)[0] > 0  # per step: did anything change
    assert np.all(np.abs(a - b)[0, :, :3].sum(axis=1) > 0)  # forward half: everywhere
    assert (np.abs(a - b)[0, :, 3:].sum(axis=1) > 0).tolist() == [True, False, False, False, False]
    assert moved.all()


def test_textbook_gru_and_different_sizes_per_direction():
    """Any forward function and its kwargs; the two directions may even have different H."""
    params_fwd = gru.init_params(2, 3, seed=0, form="textbook")
    params_bwd = gru.init_params(2, 5, seed=1, form="textbook")
    X = np.random.default_rng(1).normal(size=(2, 4, 2))
    out, cache = bidirectional.bidirectional_forward(X, params_fwd, params_bwd, gru.gru_forward, form="textbook")
    assert out.shape == (2, 4, 8)
    fwd, _ = gru.gru_forward(X, params_fwd, form="textbook")
    bwd, _ = gru.gru_forward(X[:, ::-1], params_bwd, form="textbook")
    np.testing.assert_array_equal(out[..., :3], fwd)
    np.testing.assert_array_equal(out[..., 3:], bwd[:, ::-1])
    grads = bidirectional.bidirectional_backward(np.ones((2, 4, 8)), cache)
    assert grads["X"].shape == X.shape and "b_hg" not in grads["fwd"]


def test_bad_inputs_raise_clear_errors():
    p = rnn.init_params(2, 3, seed=0)
    X = np.zeros((2, 4, 2))
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\), got \(4, 2\)"):
        bidirectional.bidirectional_forward(np.zeros((4, 2)), p, p, rnn.rnn_forward)
    with pytest.raises(ValueError, match="forward_fn must be a layer's forward function"):
        bidirectional.bidirectional_forward(X, p, p, "rnn")
    with pytest.raises(ValueError, match=r"states_fwd must be None or a dict like \{'h0': array\}, got ndarray"):
        bidirectional.bidirectional_forward(X, p, p, rnn.rnn_forward, states_fwd=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"h0 must have shape \(N=2, H=3\), got \(3,\)"):  # the layer's own check
        bidirectional.bidirectional_forward(X, p, p, rnn.rnn_forward, states_bwd={"h0": np.zeros(3)})
    _, cache = bidirectional.bidirectional_forward(X, p, p, rnn.rnn_forward)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, T=4, H_fwd\+H_bwd=6\), got \(2, 4, 3\)$"):
        bidirectional.bidirectional_backward(np.zeros((2, 4, 3)), cache)
    with pytest.raises(ValueError, match="cache must be the BidirectionalCache returned by .*, got tuple"):
        bidirectional.bidirectional_backward(np.zeros((2, 4, 6)), tuple(cache))
    _, custom = bidirectional.bidirectional_forward(X, p, p, lambda X, params: rnn.rnn_forward(X, params))
    with pytest.raises(ValueError, match="backward_fn is needed"):
        bidirectional.bidirectional_backward(np.zeros((2, 4, 6)), custom)
    assert bidirectional.bidirectional_backward(np.zeros((2, 4, 6)), custom, rnn.rnn_backward)["X"].shape == X.shape


def test_params_from_torch_rejects_other_modules():
    with pytest.raises(ValueError, match="bidirectional=False"):
        bidirectional.params_from_torch(torch.nn.LSTM(2, 3, batch_first=True))
    with pytest.raises(ValueError, match="must be a torch.nn.RNN, LSTM or GRU, got Linear"):
        bidirectional.params_from_torch(torch.nn.Linear(2, 3))
    with pytest.raises(ValueError, match="num_layers=2"):
        bidirectional.params_from_torch(torch.nn.GRU(2, 3, num_layers=2, bidirectional=True, batch_first=True))
