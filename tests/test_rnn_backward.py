"""rnn_step_backward and rnn_backward against torch autograd and finite differences (float64)."""

import numpy as np
import pytest
import torch
from test_rnn import torch_rnn

from course_utils.layers import rnn
from course_utils.layers.gradcheck import check_gradients

SHAPES = [(1, 1, 1, 1), (1, 6, 3, 4), (4, 1, 2, 3), (3, 5, 2, 4), (2, 12, 1, 6)]  # (N, T, D, H)
KEYS = ("X", "h0", "W_xh", "W_hh", "b_h")


def torch_layer_and_params(D, H, activation, seed):
    """A float64 nn.RNN with two different random biases, and the same weights as our params."""
    layer = torch_rnn(D, H, activation, seed)
    return layer, rnn.params_from_torch(layer)


def torch_gradients(layer, X, h0, dout):
    """Gradients of sum(dout * H_all) by autograd, in our names (W = torch weight transposed)."""
    X_t = torch.tensor(X, requires_grad=True)
    h0_t = torch.tensor(h0, requires_grad=True)
    layer.zero_grad()
    out, _ = layer(X_t, h0_t[None])
    (out * torch.from_numpy(dout)).sum().backward()
    return {
        "X": X_t.grad.numpy(),
        "h0": h0_t.grad.numpy(),
        "W_xh": layer.weight_ih_l0.grad.numpy().T,
        "W_hh": layer.weight_hh_l0.grad.numpy().T,
        # b_h = b_ih + b_hh, so both torch biases receive dL/db_h.
        "b_h": layer.bias_ih_l0.grad.numpy(),
        "b_hh": layer.bias_hh_l0.grad.numpy(),
    }


def random_problem(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))


def assert_grads_close(ours, expected, atol=1e-9):
    assert set(ours) == set(KEYS)
    for key in KEYS:
        assert ours[key].shape == expected[key].shape, key
        np.testing.assert_allclose(ours[key], expected[key], rtol=0, atol=atol, err_msg=key)


# ---- the whole sequence against torch autograd --------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_equals_torch(N, T, D, H, activation):
    layer, params = torch_layer_and_params(D, H, activation, seed=N + 10 * T + 100 * H)
    X, h0, dout = random_problem(N, T, D, H, seed=T)

    _, cache = rnn.rnn_forward(X, params, h0=h0, activation=activation)
    ours = rnn.rnn_backward(dout, cache)

    expected = torch_gradients(layer, X, h0, dout)
    assert_grads_close(ours, expected)
    np.testing.assert_allclose(expected["b_h"], expected["b_hh"], atol=1e-12)
    for key in KEYS:
        assert ours[key].shape == {"X": X.shape, "h0": h0.shape}.get(key, np.shape(params.get(key)))


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("loss_steps", [[-1], [0], [1, 3], [2, 3, 4]])
def test_gradient_from_some_steps_only(activation, loss_steps):
    """dout is zero except at a few steps (sequence-to-vector when only the last step is used)."""
    N, T, D, H = 3, 5, 2, 4
    layer, params = torch_layer_and_params(D, H, activation, seed=7)
    X, h0, dout_full = random_problem(N, T, D, H, seed=1)
    dout = np.zeros_like(dout_full)
    dout[:, loss_steps] = dout_full[:, loss_steps]

    _, cache = rnn.rnn_forward(X, params, h0=h0, activation=activation)
    ours = rnn.rnn_backward(dout, cache)
    assert_grads_close(ours, torch_gradients(layer, X, h0, dout))
    # Inputs after the last step with a loss cannot have influenced it: their gradient is exactly 0.
    last = np.arange(T)[loss_steps].max()
    assert np.all(ours["X"][:, last + 1 :] == 0)


def test_default_h0_gets_a_gradient_too():
    params = rnn.init_params(2, 3, seed=0) | {"b_h": np.array([0.1, -0.2, 0.3])}
    X, _, dout = random_problem(2, 4, 2, 3, seed=2)
    _, cache = rnn.rnn_forward(X, params)
    grads = rnn.rnn_backward(dout, cache)
    assert grads["h0"].shape == (2, 3) and np.abs(grads["h0"]).sum() > 0


# ---- truncated BPTT against a per-loss detached torch reference ---------------------------------


def truncated_reference(params, X, h0, dout, k, activation):
    """sum over t of sum(dout_t * h_t), where the graph of the loss at t starts at h_{t-k-1}.detach().

    Steps are counted from 1: h_0 is the initial state. When t - k - 1 < 0 the window reaches back
    to h0 itself, which then receives gradient; when t - k - 1 = 0, h0 is detached like any other state.
    """
    phi = torch.tanh if activation == "tanh" else torch.relu
    p = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
    X_t, h0_t = torch.tensor(X, requires_grad=True), torch.tensor(h0, requires_grad=True)

    def step(t, h):  # h_t from h_{t-1}, t counted from 1
        return phi(X_t[:, t - 1] @ p["W_xh"] + h @ p["W_hh"] + p["b_h"])

    with torch.no_grad():  # every state, as constants to start the windows from
        states = [h0_t]
        for t in range(1, X.shape[1] + 1):
            states.append(step(t, states[-1]))

    loss = 0.0
    for t in range(1, X.shape[1] + 1):
        start = t - k - 1
        h = h0_t if start < 0 else states[start].detach()
        for s in range(max(start, 0) + 1, t + 1):
            h = step(s, h)
        loss = loss + (h * torch.from_numpy(dout[:, t - 1])).sum()
    loss.backward()
    grads = {"X": X_t.grad, "h0": h0_t.grad, **{name: p[name].grad for name in p}}
    return {key: np.zeros_like(h0) if g is None else g.numpy() for key, g in grads.items()}


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("k", [0, 1, 2, 4, 9])
@pytest.mark.parametrize("N,T,D,H", [(2, 6, 3, 4), (1, 9, 2, 3), (3, 1, 2, 2)])
def test_truncated_equals_detached_reference(N, T, D, H, activation, k):
    rng = np.random.default_rng(k + T)
    params = {"W_xh": rng.normal(size=(D, H)), "W_hh": rng.normal(size=(H, H)) * 0.8, "b_h": rng.normal(size=H)}
    X, h0, dout = random_problem(N, T, D, H, seed=k)
    _, cache = rnn.rnn_forward(X, params, h0=h0, activation=activation)
    ours = rnn.rnn_backward(dout, cache, truncate=k)
    assert_grads_close(ours, truncated_reference(params, X, h0, dout, k, activation))


def test_truncate_zero_sends_no_gradient_back_in_time():
    params = rnn.init_params(2, 3, seed=1)
    X, h0, dout = random_problem(2, 5, 2, 3, seed=3)
    _, cache = rnn.rnn_forward(X, params, h0=h0)
    grads = rnn.rnn_backward(dout, cache, truncate=0)
    assert np.all(grads["h0"] == 0)
    # Each input gets gradient only from the loss at its own step: dx_t = (dout_t * phi'_t) @ W_xh.T
    expected = (dout * (1 - cache.H**2)) @ params["W_xh"].T
    np.testing.assert_allclose(grads["X"], expected, atol=1e-13)


def test_long_horizon_is_full_bptt():
    params = rnn.init_params(2, 3, seed=2)
    X, h0, dout = random_problem(2, 5, 2, 3, seed=4)
    _, cache = rnn.rnn_forward(X, params, h0=h0)
    full = rnn.rnn_backward(dout, cache)
    for k in (5, 50):  # k >= T: even the loss at the last step reaches back to h0
        assert_grads_close(rnn.rnn_backward(dout, cache, truncate=k), full, atol=1e-13)
    # k = T - 1: every loss still reaches the weights of step 1, but the last loss stops at h0.
    almost = rnn.rnn_backward(dout, cache, truncate=4)
    for key in ("X", "W_xh", "W_hh", "b_h"):
        np.testing.assert_allclose(almost[key], full[key], atol=1e-13)
    assert not np.allclose(almost["h0"], full["h0"])


def test_truncation_cuts_the_input_d_steps_back():
    """With a loss only at the last step, x_{T-j} gets gradient iff j <= k."""
    params = rnn.init_params(1, 4, seed=3)
    X, h0, _ = random_problem(1, 8, 1, 4, seed=5)
    dout = np.zeros((1, 8, 4))
    dout[:, -1] = 1.0
    _, cache = rnn.rnn_forward(X, params, h0=h0)
    for k in (0, 2, 5):
        reached = np.abs(rnn.rnn_backward(dout, cache, truncate=k)["X"][0, :, 0]) > 0
        assert reached.tolist() == [j <= k for j in range(7, -1, -1)]


# ---- finite differences: each gradient, for the step and for the sequence -----------------------


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_step_backward_matches_finite_differences(activation):
    rng = np.random.default_rng(11)
    N, D, H = 3, 2, 4
    arrays = {
        "x": rng.normal(size=(N, D)),
        "h_prev": rng.normal(size=(N, H)),
        "W_xh": rng.normal(size=(D, H)),
        "W_hh": rng.normal(size=(H, H)),
        "b_h": rng.normal(size=H),
    }
    dh = rng.normal(size=(N, H))

    def loss(a):
        params = {k: a[k] for k in ("W_xh", "W_hh", "b_h")}
        return np.sum(dh * rnn.rnn_step_forward(a["x"], a["h_prev"], params, activation=activation)[0])

    params = {k: arrays[k] for k in ("W_xh", "W_hh", "b_h")}
    _, cache = rnn.rnn_step_forward(arrays["x"], arrays["h_prev"], params, activation=activation)
    grads = rnn.rnn_step_backward(dh, cache)
    assert set(grads) == set(arrays)
    errors = check_gradients(loss, arrays, grads)
    assert max(errors.values()) < 1e-8, errors


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("truncate", [None, 1])
def test_sequence_backward_matches_finite_differences(activation, truncate):
    rng = np.random.default_rng(12)
    N, T, D, H = 2, 5, 3, 4
    params = {"W_xh": rng.normal(size=(D, H)), "W_hh": rng.normal(size=(H, H)) * 0.6, "b_h": rng.normal(size=H)}
    X, h0, dout = random_problem(N, T, D, H, seed=6)
    _, cache = rnn.rnn_forward(X, params, h0=h0, activation=activation)
    grads = rnn.rnn_backward(dout, cache, truncate=truncate)

    arrays = {"X": X, "h0": h0} | params

    def loss(a, d=dout):
        p = {k: a[k] for k in params}
        return np.sum(d * rnn.rnn_forward(a["X"], p, h0=a["h0"], activation=activation)[0])

    if truncate is None:
        errors = check_gradients(loss, arrays, grads)
        assert max(errors.values()) < 1e-8, errors
    else:
        # Truncation changes the gradient on purpose: it must no longer match the true one ...
        assert check_gradients(loss, arrays, {"W_hh": grads["W_hh"]})["W_hh"] > 1e-3
        # ... but the loss at step 1 alone never reaches past h0, so there it is exact.
        d1 = np.zeros_like(dout)
        d1[:, 0] = dout[:, 0]
        g1 = rnn.rnn_backward(d1, cache, truncate=truncate)
        assert check_gradients(lambda a: loss(a, d1), arrays, {"W_hh": g1["W_hh"]})["W_hh"] < 1e-8


def test_step_backward_is_one_step_of_the_sequence():
    params = rnn.init_params(2, 3, seed=5) | {"b_h": np.array([0.2, -0.1, 0.05])}
    X, h0, _ = random_problem(2, 1, 2, 3, seed=8)
    dh = np.random.default_rng(9).normal(size=(2, 3))
    _, step_cache = rnn.rnn_step_forward(X[:, 0], h0, params)
    _, seq_cache = rnn.rnn_forward(X, params, h0=h0)
    step = rnn.rnn_step_backward(dh, step_cache)
    seq = rnn.rnn_backward(dh[:, None], seq_cache)
    np.testing.assert_allclose(step["x"], seq["X"][:, 0], atol=1e-14)
    np.testing.assert_allclose(step["h_prev"], seq["h0"], atol=1e-14)
    for name in ("W_xh", "W_hh", "b_h"):
        np.testing.assert_allclose(step[name], seq[name], atol=1e-14)


# ---- clear errors -----------------------------------------------------------------------------


def test_backward_errors_name_shapes():
    params = rnn.init_params(3, 4, seed=0)
    _, cache = rnn.rnn_forward(np.zeros((2, 5, 3)), params)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, T=5, H=4\), got \(2, 5\)$"):
        rnn.rnn_backward(np.zeros((2, 5)), cache)
    with pytest.raises(ValueError, match=r"got \(2, 4, 4\)"):
        rnn.rnn_backward(np.zeros((2, 4, 4)), cache)
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ValueError, match=r"^truncate must be a non-negative int, got"):
            rnn.rnn_backward(np.zeros((2, 5, 4)), cache, truncate=bad)
    with pytest.raises(ValueError, match="cache must be the RNNCache returned by rnn_forward, got tuple"):
        rnn.rnn_backward(np.zeros((2, 5, 4)), tuple(cache))


def test_step_backward_errors_name_shapes():
    params = rnn.init_params(3, 4, seed=0)
    _, cache = rnn.rnn_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), params)
    with pytest.raises(ValueError, match=r"^dh must have shape \(N=2, H=4\), got \(4,\)$"):
        rnn.rnn_step_backward(np.zeros(4), cache)
    _, seq_cache = rnn.rnn_forward(np.zeros((2, 1, 3)), params)
    with pytest.raises(ValueError, match="cache must be the RNNStepCache returned by rnn_step_forward, got RNNCache"):
        rnn.rnn_step_backward(np.zeros((2, 4)), seq_cache)


def test_backward_does_not_modify_its_inputs():
    params = rnn.init_params(2, 3, seed=4)
    X, h0, dout = random_problem(2, 4, 2, 3, seed=10)
    copies = [a.copy() for a in (X, h0, dout, *params.values())]
    _, cache = rnn.rnn_forward(X, params, h0=h0)
    H_before = cache.H.copy()
    rnn.rnn_backward(dout, cache, truncate=2)
    rnn.rnn_backward(dout, cache)
    for before, after in zip(copies, (X, h0, dout, *params.values())):
        assert np.array_equal(before, after)
    assert np.array_equal(H_before, cache.H)
