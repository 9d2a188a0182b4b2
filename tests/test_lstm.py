"""lstm forward and backward against torch.nn.LSTM autograd (float64), the peephole variant against
finite differences, and the layer contract's error messages."""

import numpy as np
import pytest
import torch

from course_utils.layers import lstm
from course_utils.layers.gradcheck import check_gradients

SHAPES = [(1, 1, 1, 1), (1, 6, 3, 4), (4, 1, 2, 3), (3, 5, 2, 4), (2, 12, 1, 6)]  # (N, T, D, H)
PARAMS = lstm.param_names()
KEYS = ("X", "h0", "c0", *PARAMS)


def torch_lstm(D, H, seed, bias=True):
    """A float64 nn.LSTM whose weights and two biases are all random and different."""
    torch.manual_seed(seed)
    layer = torch.nn.LSTM(D, H, batch_first=True, bias=bias).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0.0, 0.6)
    return layer


def torch_gradients(layer, X, h0, c0, dout, dc_last=None):
    """Gradients of sum(dout * out) [+ sum(dc_last * c_n)] by autograd, in our names."""
    X_t, h0_t, c0_t = (torch.tensor(a, requires_grad=True) for a in (X, h0, c0))
    layer.zero_grad()
    out, (_, c_n) = layer(X_t, (h0_t[None], c0_t[None]))
    loss = (out * torch.from_numpy(dout)).sum()
    if dc_last is not None:
        loss = loss + (c_n[0] * torch.from_numpy(dc_last)).sum()
    loss.backward()
    H = h0.shape[1]
    grads = {"X": X_t.grad.numpy(), "h0": h0_t.grad.numpy(), "c0": c0_t.grad.numpy()}
    for j, k in enumerate("ifgo"):  # torch's row blocks
        rows = slice(j * H, (j + 1) * H)
        grads[f"W_x{k}"] = layer.weight_ih_l0.grad[rows].numpy().T
        grads[f"W_h{k}"] = layer.weight_hh_l0.grad[rows].numpy().T
        grads[f"b_{k}"] = layer.bias_ih_l0.grad[rows].numpy()
        # b_k = b_ih + b_hh, so both torch biases receive the same gradient
        np.testing.assert_allclose(layer.bias_hh_l0.grad[rows].numpy(), grads[f"b_{k}"], atol=1e-12)
    return grads


def random_problem(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)),
            rng.normal(size=(N, T, H)))


def assert_grads_close(ours, expected, keys=KEYS, atol=1e-9):
    assert set(ours) == set(keys)
    for key in keys:
        assert ours[key].shape == expected[key].shape, key
        np.testing.assert_allclose(ours[key], expected[key], rtol=0, atol=atol, err_msg=key)


# ---- forward against torch ----------------------------------------------------------------------


@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("with_states", [False, True])
def test_forward_equals_torch(N, T, D, H, with_states):
    layer = torch_lstm(D, H, seed=N * 100 + T * 10 + D + H)
    X, h0, c0, _ = random_problem(N, T, D, H, seed=T)
    kwargs = {"h0": h0, "c0": c0} if with_states else {}

    ours, cache = lstm.lstm_forward(X, lstm.params_from_torch(layer), **kwargs)

    states = (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]) if with_states else None
    expected, (h_n, c_n) = layer(torch.from_numpy(X), states)
    assert ours.shape == (N, T, H)
    np.testing.assert_allclose(ours, expected.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours[:, -1], h_n[0].detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(cache.C[:, -1], c_n[0].detach().numpy(), rtol=0, atol=1e-10)
    assert cache.H is ours and not cache.peephole


def test_params_from_torch_unstacks_gates_in_torch_order():
    layer = torch_lstm(2, 3, seed=1)
    params = lstm.params_from_torch(layer)
    assert list(params) == PARAMS
    W, b_ih, b_hh = (t.detach().numpy() for t in (layer.weight_ih_l0, layer.bias_ih_l0, layer.bias_hh_l0))
    # torch's second block (rows 3:6) is the forget gate, the first the input gate
    np.testing.assert_array_equal(params["W_xf"], W[3:6].T)
    np.testing.assert_array_equal(params["W_xi"], W[0:3].T)
    np.testing.assert_allclose(params["b_o"], b_ih[9:] + b_hh[9:], atol=1e-15)
    assert not np.allclose(params["b_o"], b_ih[9:])  # the biases really differ: summing matters


def test_layer_without_bias():
    layer = torch_lstm(2, 3, seed=2, bias=False)
    X = np.random.default_rng(1).normal(size=(2, 4, 2))
    params = lstm.params_from_torch(layer)
    assert all(np.all(params[f"b_{k}"] == 0) for k in "figo")
    ours, _ = lstm.lstm_forward(X, params)
    np.testing.assert_allclose(ours, layer(torch.from_numpy(X))[0].detach().numpy(), atol=1e-10)


# ---- backward against torch ---------------------------------------------------------------------


@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("with_dc_last", [False, True])
def test_backward_equals_torch(N, T, D, H, with_dc_last):
    layer = torch_lstm(D, H, seed=N + 10 * T + 100 * H)
    X, h0, c0, dout = random_problem(N, T, D, H, seed=T + 1)
    dc_last = np.random.default_rng(5).normal(size=(N, H)) if with_dc_last else None

    _, cache = lstm.lstm_forward(X, lstm.params_from_torch(layer), h0=h0, c0=c0)
    ours = lstm.lstm_backward(dout, cache, dc_last=dc_last)
    assert_grads_close(ours, torch_gradients(layer, X, h0, c0, dout, dc_last))


def test_backward_with_default_states_equals_torch():
    layer = torch_lstm(3, 4, seed=3)
    X, _, _, dout = random_problem(2, 5, 3, 4, seed=4)
    zeros = np.zeros((2, 4))
    _, cache = lstm.lstm_forward(X, lstm.params_from_torch(layer))
    ours = lstm.lstm_backward(dout, cache)
    assert_grads_close(ours, torch_gradients(layer, X, zeros, zeros, dout))
    assert np.abs(ours["c0"]).sum() > 0


def test_cell_gradient_is_carried_by_the_forget_gate():
    """With no loss on h and no recurrent weights (so c_t cannot reach later gates through h_t),
    dL/dc_{t-1} = dL/dc_t * f_t exactly: the conveyor belt."""
    params = lstm.init_params(2, 3, seed=4) | {f"W_h{k}": np.zeros((3, 3)) for k in "figo"}
    X, h0, c0, _ = random_problem(2, 4, 2, 3, seed=6)
    _, cache = lstm.lstm_forward(X, params, h0=h0, c0=c0)
    dc_last = np.ones((2, 3))
    grads = lstm.lstm_backward(np.zeros((2, 4, 3)), cache, dc_last=dc_last)
    f = cache.gates[:, :, :3]  # (N, T, H), forget gates of every step
    np.testing.assert_allclose(grads["c0"], dc_last * f.prod(axis=1), atol=1e-15)
    # With recurrent weights the h path adds to it: the product of forget gates is only the direct path.
    _, cache = lstm.lstm_forward(X, lstm.init_params(2, 3, seed=4), h0=h0, c0=c0)
    grads = lstm.lstm_backward(np.zeros((2, 4, 3)), cache, dc_last=dc_last)
    assert not np.allclose(grads["c0"], dc_last * cache.gates[:, :, :3].prod(axis=1))


# ---- steps ----------------------------------------------------------------------------------------


def test_step_matches_one_column_of_the_sequence():
    params = lstm.init_params(3, 4, seed=0)
    X, h0, c0, _ = random_problem(2, 5, 3, 4, seed=2)
    H_all, cache = lstm.lstm_forward(X, params, h0=h0, c0=c0)
    h, c, step = lstm.lstm_step_forward(X[:, 2], H_all[:, 1], cache.C[:, 1], params)
    np.testing.assert_allclose(h, H_all[:, 2], atol=1e-14)
    np.testing.assert_allclose(c, cache.C[:, 2], atol=1e-14)
    assert step.h is h and step.c is c


@pytest.mark.parametrize("peephole", [False, True])
def test_step_backward_matches_finite_differences(peephole):
    rng = np.random.default_rng(11)
    N, D, H = 3, 2, 4
    shapes = lstm.init_params(D, H, seed=1, peephole=peephole)
    params = {name: rng.normal(size=np.shape(v)) for name, v in shapes.items()}
    arrays = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H)), "c_prev": rng.normal(size=(N, H))}
    arrays |= params
    dh, dc = rng.normal(size=(N, H)), rng.normal(size=(N, H))

    def loss(a):
        p = {k: a[k] for k in params}
        h, c, _ = lstm.lstm_step_forward(a["x"], a["h_prev"], a["c_prev"], p)
        return np.sum(dh * h) + np.sum(dc * c)

    _, _, cache = lstm.lstm_step_forward(arrays["x"], arrays["h_prev"], arrays["c_prev"], params)
    grads = lstm.lstm_step_backward(dh, dc, cache)
    assert set(grads) == set(arrays)
    errors = check_gradients(loss, arrays, grads)
    assert max(errors.values()) < 1e-7, errors


def test_step_backward_is_one_step_of_the_sequence():
    params = lstm.init_params(2, 3, seed=5)
    X, h0, c0, _ = random_problem(2, 1, 2, 3, seed=8)
    dh = np.random.default_rng(9).normal(size=(2, 3))
    _, _, step_cache = lstm.lstm_step_forward(X[:, 0], h0, c0, params)
    _, seq_cache = lstm.lstm_forward(X, params, h0=h0, c0=c0)
    step = lstm.lstm_step_backward(dh, None, step_cache)
    seq = lstm.lstm_backward(dh[:, None], seq_cache)
    for ours, theirs in [("x", "X"), ("h_prev", "h0"), ("c_prev", "c0")] + [(p, p) for p in PARAMS]:
        np.testing.assert_allclose(step[ours], np.reshape(seq[theirs], step[ours].shape), atol=1e-14)


# ---- peephole variant -----------------------------------------------------------------------------


def test_peephole_with_zero_weights_is_the_plain_lstm():
    plain = lstm.init_params(3, 4, seed=6)
    peep = plain | {name: np.zeros(4) for name in lstm.PEEPHOLES}
    X, h0, c0, dout = random_problem(2, 5, 3, 4, seed=7)
    a, ca = lstm.lstm_forward(X, plain, h0=h0, c0=c0)
    b, cb = lstm.lstm_forward(X, peep, h0=h0, c0=c0)
    np.testing.assert_array_equal(a, b)
    assert cb.peephole and not ca.peephole
    ga, gb = lstm.lstm_backward(dout, ca), lstm.lstm_backward(dout, cb)
    assert set(gb) - set(ga) == set(lstm.PEEPHOLES)
    for key in ga:
        np.testing.assert_allclose(ga[key], gb[key], atol=1e-14)


def test_peephole_weights_change_the_output():
    params = lstm.init_params(2, 3, seed=7, peephole=True)
    X, h0, c0, _ = random_problem(2, 4, 2, 3, seed=8)
    base, _ = lstm.lstm_forward(X, params, h0=h0, c0=c0)
    for name in lstm.PEEPHOLES:  # each peephole on its own must matter
        moved, _ = lstm.lstm_forward(X, params | {name: np.full(3, 0.5)}, h0=h0, c0=c0)
        assert np.abs(moved - base).max() > 1e-3, name


@pytest.mark.parametrize("N,T,D,H", [(2, 5, 3, 4), (1, 1, 2, 2), (3, 3, 1, 3)])
def test_peephole_backward_matches_finite_differences(N, T, D, H):
    rng = np.random.default_rng(N + T)
    params = {name: rng.normal(size=np.shape(v)) * 0.7
              for name, v in lstm.init_params(D, H, seed=0, peephole=True).items()}
    X, h0, c0, dout = random_problem(N, T, D, H, seed=12)
    dc_last = rng.normal(size=(N, H))
    _, cache = lstm.lstm_forward(X, params, h0=h0, c0=c0)
    grads = lstm.lstm_backward(dout, cache, dc_last=dc_last)
    assert set(grads) == set(KEYS) | set(lstm.PEEPHOLES)

    arrays = {"X": X, "h0": h0, "c0": c0} | params

    def loss(a):
        out, c = lstm.lstm_forward(a["X"], {k: a[k] for k in params}, h0=a["h0"], c0=a["c0"])
        return np.sum(dout * out) + np.sum(dc_last * c.C[:, -1])

    errors = check_gradients(loss, arrays, grads)
    assert max(errors.values()) < 1e-7, errors


# ---- init and errors ------------------------------------------------------------------------------


def test_init_params_shapes_and_determinism():
    p = lstm.init_params(3, 5, seed=7)
    assert list(p) == PARAMS
    assert all(p[f"W_x{k}"].shape == (3, 5) and p[f"W_h{k}"].shape == (5, 5) and p[f"b_{k}"].shape == (5,)
               for k in "figo")
    assert np.all(p["b_f"] == 1) and all(np.all(p[f"b_{k}"] == 0) for k in "igo")
    q = lstm.init_params(3, 5, seed=7)
    assert all(np.array_equal(p[k], q[k]) for k in p)
    assert list(lstm.init_params(3, 5, seed=7, peephole=True)) == PARAMS + list(lstm.PEEPHOLES)
    with pytest.raises(ValueError, match="H must be a positive int, got 0"):
        lstm.init_params(3, 0, seed=0)


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"X": np.zeros((5, 3))}, r"X must have shape \(N, T, D=3\), got \(5, 3\)"),
        ({"X": np.zeros((5, 2, 4))}, r"X must have shape \(N, T, D=3\), got \(5, 2, 4\)"),
        ({"h0": np.zeros((5, 3))}, r"h0 must have shape \(N=5, H=4\), got \(5, 3\)"),
        ({"c0": np.zeros((4,))}, r"c0 must have shape \(N=5, H=4\), got \(4,\)"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs, pattern):
    params = lstm.init_params(3, 4, seed=0)
    args = {"X": np.zeros((5, 2, 3)), "h0": None, "c0": None} | kwargs
    with pytest.raises(ValueError, match=pattern):
        lstm.lstm_forward(args["X"], params, h0=args["h0"], c0=args["c0"])


@pytest.mark.parametrize(
    "change,pattern",
    [
        ({"W_hg": np.zeros((3, 3))}, r"^W_hg must have shape \(H=4, H=4\), got \(3, 3\)$"),
        ({"b_o": np.zeros(3)}, r"^b_o must have shape \(H=4,\), got \(3,\)$"),
        ({"W_xi": np.zeros((2, 4))}, r"^W_xi must have shape \(D=3, H=4\), got \(2, 4\)$"),
        ({"W_xf": np.zeros(3)}, r"W_xf must have shape \(D, H\), got \(3,\)"),
        ({"w_co": np.zeros(4)}, r"a peephole LSTM needs all of \['w_cf', 'w_ci', 'w_co'\]; got only \['w_co'\]"),
    ],
)
def test_mismatched_params_raise(change, pattern):
    params = lstm.init_params(3, 4, seed=0) | change
    with pytest.raises(ValueError, match=pattern):
        lstm.lstm_forward(np.zeros((2, 2, 3)), params)


def test_missing_params_are_named():
    params = lstm.init_params(3, 4, seed=0)
    del params["b_g"]
    with pytest.raises(ValueError, match=r"missing \['b_g'\]"):
        lstm.lstm_forward(np.zeros((2, 2, 3)), params)
    peep = lstm.init_params(3, 4, seed=0, peephole=True) | {"w_cf": np.zeros(2)}
    with pytest.raises(ValueError, match=r"^w_cf must have shape \(H=4,\), got \(2,\)$"):
        lstm.lstm_forward(np.zeros((2, 2, 3)), peep)


def test_step_errors_name_shapes():
    params = lstm.init_params(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, D=3\), got \(2, 5\)"):
        lstm.lstm_step_forward(np.zeros((2, 5)), np.zeros((2, 4)), np.zeros((2, 4)), params)
    with pytest.raises(ValueError, match=r"c_prev must have shape \(N=2, H=4\), got \(2, 3\)"):
        lstm.lstm_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 3)), params)
    _, _, cache = lstm.lstm_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), params)
    with pytest.raises(ValueError, match=r"^dc must have shape \(N=2, H=4\), got \(4,\)$"):
        lstm.lstm_step_backward(np.zeros((2, 4)), np.zeros(4), cache)
    with pytest.raises(ValueError, match=r"^dh must have shape \(N=2, H=4\), got \(2, 3\)$"):
        lstm.lstm_step_backward(np.zeros((2, 3)), None, cache)


def test_backward_errors_name_shapes():
    params = lstm.init_params(3, 4, seed=0)
    _, cache = lstm.lstm_forward(np.zeros((2, 5, 3)), params)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, T=5, H=4\), got \(2, 5\)$"):
        lstm.lstm_backward(np.zeros((2, 5)), cache)
    with pytest.raises(ValueError, match=r"dc_last must have shape \(N=2, H=4\), got \(2, 5\)"):
        lstm.lstm_backward(np.zeros((2, 5, 4)), cache, dc_last=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="cache must be the LSTMCache returned by lstm_forward, got tuple"):
        lstm.lstm_backward(np.zeros((2, 5, 4)), tuple(cache))


def test_params_from_torch_rejects_other_modules():
    with pytest.raises(ValueError, match="must be a torch.nn.LSTM, got GRU"):
        lstm.params_from_torch(torch.nn.GRU(2, 3, batch_first=True))
    with pytest.raises(ValueError, match="batch_first=False"):
        lstm.params_from_torch(torch.nn.LSTM(2, 3))
    with pytest.raises(ValueError, match="bidirectional=True"):
        lstm.params_from_torch(torch.nn.LSTM(2, 3, batch_first=True, bidirectional=True))


def test_backward_does_not_modify_its_inputs():
    params = lstm.init_params(2, 3, seed=4, peephole=True)
    X, h0, c0, dout = random_problem(2, 4, 2, 3, seed=10)
    copies = [a.copy() for a in (X, h0, c0, dout, *params.values())]
    _, cache = lstm.lstm_forward(X, params, h0=h0, c0=c0)
    lstm.lstm_backward(dout, cache)
    for before, after in zip(copies, (X, h0, c0, dout, *params.values())):
        assert np.array_equal(before, after)
