"""gru in torch's form against torch.nn.GRU autograd (float64), the textbook form against finite
differences, how the two forms map onto each other, and the error messages."""

import numpy as np
import pytest
import torch

from course_utils.layers import gru
from course_utils.layers.gradcheck import check_gradients

SHAPES = [(1, 1, 1, 1), (1, 6, 3, 4), (4, 1, 2, 3), (3, 5, 2, 4), (2, 12, 1, 6)]  # (N, T, D, H)
TORCH_KEYS = ("X", "h0", *gru.param_names("torch"))


def torch_gru(D, H, seed, bias=True):
    """A float64 nn.GRU whose weights and two biases are all random and different."""
    torch.manual_seed(seed)
    layer = torch.nn.GRU(D, H, batch_first=True, bias=bias).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0.0, 0.6)
    return layer


def torch_gradients(layer, X, h0, dout):
    """Gradients of sum(dout * out) by autograd, in our names."""
    X_t, h0_t = torch.tensor(X, requires_grad=True), torch.tensor(h0, requires_grad=True)
    layer.zero_grad()
    out, _ = layer(X_t, h0_t[None])
    (out * torch.from_numpy(dout)).sum().backward()
    H = h0.shape[1]
    grads = {"X": X_t.grad.numpy(), "h0": h0_t.grad.numpy()}
    for j, k in enumerate("rzg"):  # torch's row blocks r, z, n
        rows = slice(j * H, (j + 1) * H)
        grads[f"W_x{k}"] = layer.weight_ih_l0.grad[rows].numpy().T
        grads[f"W_h{k}"] = layer.weight_hh_l0.grad[rows].numpy().T
        grads[f"b_{k}"] = layer.bias_ih_l0.grad[rows].numpy()
    for j in (0, 1):  # r and z: both biases are summed, so they get the same gradient
        rows = slice(j * H, (j + 1) * H)
        np.testing.assert_allclose(layer.bias_hh_l0.grad[rows].numpy(), layer.bias_ih_l0.grad[rows].numpy(), atol=1e-12)
    grads["b_hg"] = layer.bias_hh_l0.grad[2 * H :].numpy()  # b_hn, inside r * (...): its own gradient
    return grads


def random_problem(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))


def random_params(D, H, form, seed, scale=0.7):
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=np.shape(v)) * scale for name, v in gru.init_params(D, H, seed=0, form=form).items()}


# ---- torch's form against torch -----------------------------------------------------------------


@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("with_h0", [False, True])
def test_forward_equals_torch(N, T, D, H, with_h0):
    layer = torch_gru(D, H, seed=N * 100 + T * 10 + D + H)
    X, h0, _ = random_problem(N, T, D, H, seed=T)

    ours, cache = gru.gru_forward(X, gru.params_from_torch(layer), h0=h0 if with_h0 else None)

    expected, h_n = layer(torch.from_numpy(X), torch.from_numpy(h0)[None] if with_h0 else None)
    assert ours.shape == (N, T, H)
    np.testing.assert_allclose(ours, expected.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours[:, -1], h_n[0].detach().numpy(), rtol=0, atol=1e-10)
    assert cache.H is ours and cache.form == "torch"


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_equals_torch(N, T, D, H):
    layer = torch_gru(D, H, seed=N + 10 * T + 100 * H)
    X, h0, dout = random_problem(N, T, D, H, seed=T + 1)
    _, cache = gru.gru_forward(X, gru.params_from_torch(layer), h0=h0)
    ours = gru.gru_backward(dout, cache)
    expected = torch_gradients(layer, X, h0, dout)
    assert set(ours) == set(TORCH_KEYS)
    for key in TORCH_KEYS:
        assert ours[key].shape == expected[key].shape, key
        np.testing.assert_allclose(ours[key], expected[key], rtol=0, atol=1e-9, err_msg=key)


def test_backward_with_default_h0_equals_torch():
    layer = torch_gru(3, 4, seed=3)
    X, _, dout = random_problem(2, 5, 3, 4, seed=4)
    _, cache = gru.gru_forward(X, gru.params_from_torch(layer))
    ours = gru.gru_backward(dout, cache)
    expected = torch_gradients(layer, X, np.zeros((2, 4)), dout)
    for key in TORCH_KEYS:
        np.testing.assert_allclose(ours[key], expected[key], rtol=0, atol=1e-9, err_msg=key)


def test_params_from_torch_keeps_the_candidate_biases_apart():
    layer = torch_gru(2, 3, seed=1)
    params = gru.params_from_torch(layer)
    assert list(params) == gru.param_names("torch")
    W, b_ih, b_hh = (t.detach().numpy() for t in (layer.weight_ih_l0, layer.bias_ih_l0, layer.bias_hh_l0))
    np.testing.assert_array_equal(params["W_xr"], W[0:3].T)  # torch's first block is r, then z
    np.testing.assert_array_equal(params["W_xz"], W[3:6].T)
    np.testing.assert_allclose(params["b_z"], b_ih[3:6] + b_hh[3:6], atol=1e-15)
    np.testing.assert_array_equal(params["b_g"], b_ih[6:])
    np.testing.assert_array_equal(params["b_hg"], b_hh[6:])
    # Folding b_hg into b_g would be wrong: r scales it.
    X = np.random.default_rng(0).normal(size=(2, 4, 2))
    folded = params | {"b_g": params["b_g"] + params["b_hg"], "b_hg": np.zeros(3)}
    assert not np.allclose(gru.gru_forward(X, folded)[0], gru.gru_forward(X, params)[0])


def test_layer_without_bias():
    layer = torch_gru(2, 3, seed=2, bias=False)
    X = np.random.default_rng(1).normal(size=(2, 4, 2))
    ours, _ = gru.gru_forward(X, gru.params_from_torch(layer))
    np.testing.assert_allclose(ours, layer(torch.from_numpy(X))[0].detach().numpy(), atol=1e-10)


# ---- both forms against finite differences -------------------------------------------------------


@pytest.mark.parametrize("form", gru.FORMS)
@pytest.mark.parametrize("N,T,D,H", [(2, 5, 3, 4), (1, 1, 2, 2), (3, 3, 1, 3)])
def test_backward_matches_finite_differences(form, N, T, D, H):
    params = random_params(D, H, form, seed=N + T)
    X, h0, dout = random_problem(N, T, D, H, seed=12)
    _, cache = gru.gru_forward(X, params, h0=h0, form=form)
    grads = gru.gru_backward(dout, cache)
    arrays = {"X": X, "h0": h0} | params
    assert set(grads) == set(arrays)

    def loss(a):
        return np.sum(dout * gru.gru_forward(a["X"], {k: a[k] for k in params}, h0=a["h0"], form=form)[0])

    errors = check_gradients(loss, arrays, grads)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("form", gru.FORMS)
def test_step_backward_matches_finite_differences(form):
    rng = np.random.default_rng(11)
    N, D, H = 3, 2, 4
    params = random_params(D, H, form, seed=3)
    arrays = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H))} | params
    dh = rng.normal(size=(N, H))

    def loss(a):
        return np.sum(dh * gru.gru_step_forward(a["x"], a["h_prev"], {k: a[k] for k in params}, form=form)[0])

    _, cache = gru.gru_step_forward(arrays["x"], arrays["h_prev"], params, form=form)
    grads = gru.gru_step_backward(dh, cache)
    assert set(grads) == set(arrays)
    errors = check_gradients(loss, arrays, grads)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("form", gru.FORMS)
def test_step_matches_the_sequence(form):
    params = random_params(3, 4, form, seed=5)
    X, h0, _ = random_problem(2, 5, 3, 4, seed=2)
    H_all, _ = gru.gru_forward(X, params, h0=h0, form=form)
    h, cache = gru.gru_step_forward(X[:, 2], H_all[:, 1], params, form=form)
    np.testing.assert_allclose(h, H_all[:, 2], atol=1e-14)
    dh = np.random.default_rng(9).normal(size=(2, 4))
    _, seq_cache = gru.gru_forward(X[:, :1], params, h0=h0, form=form)
    _, step_cache = gru.gru_step_forward(X[:, 0], h0, params, form=form)
    seq, step = gru.gru_backward(dh[:, None], seq_cache), gru.gru_step_backward(dh, step_cache)
    np.testing.assert_allclose(step["x"], seq["X"][:, 0], atol=1e-14)
    np.testing.assert_allclose(step["h_prev"], seq["h0"], atol=1e-14)
    for name in params:
        np.testing.assert_allclose(step[name], seq[name], atol=1e-14)


# ---- how the two forms relate --------------------------------------------------------------------


def test_textbook_z_is_one_minus_torch_z():
    """Negating z's weights and bias turns torch's "z keeps the old state" into the textbook's
    "z writes the candidate". With a diagonal W_hg and b_hg = 0, r * (h @ W_hg) = (r * h) @ W_hg,
    so then the two forms agree exactly; with a full W_hg they do not."""
    H = 3
    textbook = random_params(2, H, "textbook", seed=7) | {"W_hg": np.diag([0.5, -1.0, 0.8])}
    torch_form = textbook | {"W_xz": -textbook["W_xz"], "W_hz": -textbook["W_hz"], "b_z": -textbook["b_z"],
                             "b_hg": np.zeros(H)}
    X, h0, _ = random_problem(2, 6, 2, H, seed=3)
    a, _ = gru.gru_forward(X, textbook, h0=h0, form="textbook")
    b, _ = gru.gru_forward(X, torch_form, h0=h0, form="torch")
    np.testing.assert_allclose(a, b, atol=1e-14)
    full = np.random.default_rng(1).normal(size=(H, H))
    a, _ = gru.gru_forward(X, textbook | {"W_hg": full}, h0=h0, form="textbook")
    b, _ = gru.gru_forward(X, torch_form | {"W_hg": full}, h0=h0, form="torch")
    assert np.abs(a - b).max() > 1e-3


def test_update_gate_conventions():
    """A saturated z: torch's z = 1 copies the old state, the textbook's z = 1 takes the candidate."""
    for form, keeps in (("torch", True), ("textbook", False)):
        params = random_params(2, 3, form, seed=8) | {"b_z": np.full(3, 50.0)}
        X, h0, _ = random_problem(2, 1, 2, 3, seed=4)
        out, cache = gru.gru_forward(X, params, h0=h0, form=form)
        target = h0 if keeps else cache.gates[:, 0, 6:]  # the candidate g
        np.testing.assert_allclose(out[:, 0], target, atol=1e-12)


# ---- init and errors ------------------------------------------------------------------------------


def test_init_params_shapes_and_determinism():
    p = gru.init_params(3, 5, seed=7)
    assert list(p) == gru.param_names("torch") and p["b_hg"].shape == (5,)
    assert list(gru.init_params(3, 5, seed=7, form="textbook")) == gru.param_names("textbook")
    q = gru.init_params(3, 5, seed=7)
    assert all(np.array_equal(p[k], q[k]) for k in p)
    assert all(p[f"W_h{k}"].shape == (5, 5) and p[f"W_x{k}"].shape == (3, 5) for k in "zrg")


@pytest.mark.parametrize(
    "kwargs,pattern",
    [
        ({"X": np.zeros((5, 3))}, r"X must have shape \(N, T, D=3\), got \(5, 3\)"),
        ({"X": np.zeros((5, 2, 4))}, r"X must have shape \(N, T, D=3\), got \(5, 2, 4\)"),
        ({"h0": np.zeros((5, 3))}, r"h0 must have shape \(N=5, H=4\), got \(5, 3\)"),
        ({"form": "keras"}, r"form must be one of \['torch', 'textbook'\], got 'keras'"),
        ({"form": "textbook"}, r"b_hg is only used by form='torch'"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs, pattern):
    params = gru.init_params(3, 4, seed=0)
    args = {"X": np.zeros((5, 2, 3)), "h0": None, "form": "torch"} | kwargs
    with pytest.raises(ValueError, match=pattern):
        gru.gru_forward(args["X"], params, h0=args["h0"], form=args["form"])


@pytest.mark.parametrize(
    "change,pattern",
    [
        ({"W_hr": np.zeros((3, 3))}, r"^W_hr must have shape \(H=4, H=4\), got \(3, 3\)$"),
        ({"b_hg": np.zeros(3)}, r"^b_hg must have shape \(H=4,\), got \(3,\)$"),
        ({"W_xz": np.zeros(3)}, r"W_xz must have shape \(D, H\), got \(3,\)"),
    ],
)
def test_mismatched_params_raise(change, pattern):
    params = gru.init_params(3, 4, seed=0) | change
    with pytest.raises(ValueError, match=pattern):
        gru.gru_forward(np.zeros((2, 2, 3)), params)


def test_torch_form_needs_b_hg():
    params = gru.init_params(3, 4, seed=0, form="textbook")
    with pytest.raises(ValueError, match=r"params for form='torch' must have keys .*; missing \['b_hg'\]"):
        gru.gru_forward(np.zeros((2, 2, 3)), params)


def test_step_and_backward_errors_name_shapes():
    params = gru.init_params(3, 4, seed=0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, D=3\), got \(2, 5\)"):
        gru.gru_step_forward(np.zeros((2, 5)), np.zeros((2, 4)), params)
    with pytest.raises(ValueError, match=r"h_prev must have shape \(N=2, H=4\), got \(2, 3\)"):
        gru.gru_step_forward(np.zeros((2, 3)), np.zeros((2, 3)), params)
    _, step = gru.gru_step_forward(np.zeros((2, 3)), np.zeros((2, 4)), params)
    with pytest.raises(ValueError, match=r"^dh must have shape \(N=2, H=4\), got \(4,\)$"):
        gru.gru_step_backward(np.zeros(4), step)
    _, cache = gru.gru_forward(np.zeros((2, 5, 3)), params)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, T=5, H=4\), got \(2, 5\)$"):
        gru.gru_backward(np.zeros((2, 5)), cache)
    with pytest.raises(ValueError, match="cache must be the GRUCache returned by gru_forward, got GRUStepCache"):
        gru.gru_backward(np.zeros((2, 5, 4)), step)
    with pytest.raises(ValueError, match="cache must be the GRUStepCache returned by gru_step_forward, got GRUCache"):
        gru.gru_step_backward(np.zeros((2, 4)), cache)


def test_params_from_torch_rejects_other_modules():
    with pytest.raises(ValueError, match="must be a torch.nn.GRU, got LSTM"):
        gru.params_from_torch(torch.nn.LSTM(2, 3, batch_first=True))
    with pytest.raises(ValueError, match="num_layers=2"):
        gru.params_from_torch(torch.nn.GRU(2, 3, num_layers=2, batch_first=True))
