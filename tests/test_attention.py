"""attention against torch (float64, 1e-10): scaled dot-product = F.scaled_dot_product_attention with its
autograd gradients; additive (Bahdanau) = the same formula in torch with autograd (it has no torch.nn twin).
Masks: True = may attend, masked weights exactly 0, bad inputs. Multi-head attention: tests/test_multihead.py."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.layers import attention
from course_utils.layers.gradcheck import numerical_gradient

SHAPES = [(1, 1, 1, 1, 1), (2, 3, 5, 4, 2), (3, 6, 2, 3, 5), (2, 4, 4, 8, 3)]  # (N, Tq, Tk, d, dv)
ATOL = 1e-10


def random_qkv(N, Tq, Tk, dq, dv, seed, dk=None):
    rng = np.random.default_rng(seed)
    dk = dq if dk is None else dk
    return rng.normal(size=(N, Tq, dq)), rng.normal(size=(N, Tk, dk)), rng.normal(size=(N, Tk, dv))


def random_padding(N, Tk, seed):
    """(N, 1, Tk) mask keeping a random number (at least 1) of leading keys per sequence."""
    lengths = np.random.default_rng(seed).integers(1, Tk + 1, size=N)
    lengths[0] = Tk if N > 1 else lengths[0]  # one full-length sequence, as in a real padded batch
    return attention.padding_mask(lengths, Tk)


def masks_for(kind, N, Tq, Tk, seed):
    if kind == "none":
        return None
    if kind == "padding":
        return random_padding(N, Tk, seed)
    if kind == "causal":
        return attention.causal_mask(Tq, Tk)  # column 0 is always True: no empty row
    rng = np.random.default_rng(seed)  # "random": any pattern with one True per row
    mask = rng.random((N, Tq, Tk)) < 0.5
    mask[..., 0] |= ~mask.any(axis=-1)
    return mask


def torch_sdpa(Q, K, V, mask, scale, dout):
    """Output and autograd gradients of torch's scaled_dot_product_attention."""
    Qt, Kt, Vt = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    m = None if mask is None else torch.from_numpy(np.broadcast_to(mask, (Q.shape[0], Q.shape[1], K.shape[1])).copy())
    out = F.scaled_dot_product_attention(Qt, Kt, Vt, attn_mask=m, scale=scale)
    (out * torch.from_numpy(dout)).sum().backward()
    return out.detach().numpy(), {"Q": Qt.grad.numpy(), "K": Kt.grad.numpy(), "V": Vt.grad.numpy()}


# ---- scaled dot-product attention ------------------------------------------------------------------


@pytest.mark.parametrize("N,Tq,Tk,d,dv", SHAPES)
@pytest.mark.parametrize("kind", ["none", "padding", "causal", "random"])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_dot_product_equals_torch(N, Tq, Tk, d, dv, kind, scale):
    seed = N + 10 * Tq + 100 * Tk + d
    Q, K, V = random_qkv(N, Tq, Tk, d, dv, seed)
    mask = masks_for(kind, N, Tq, Tk, seed)
    dout = np.random.default_rng(seed + 1).normal(size=(N, Tq, dv))

    out, cache = attention.dot_product_attention_forward(Q, K, V, mask=mask, scale=scale)
    grads = attention.dot_product_attention_backward(dout, cache)
    expected, expected_grads = torch_sdpa(Q, K, V, mask, scale, dout)

    assert out.shape == (N, Tq, dv) and cache.weights.shape == (N, Tq, Tk)
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL)
    assert set(grads) == {"Q", "K", "V"}
    for name in grads:
        np.testing.assert_allclose(grads[name], expected_grads[name], rtol=0, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(cache.weights.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    if mask is not None:
        assert (cache.weights[~np.broadcast_to(mask, cache.weights.shape)] == 0.0).all()  # exactly 0


def test_default_scale_is_one_over_sqrt_d():
    Q, K, V = random_qkv(2, 3, 4, 9, 2, seed=1)
    _, cache = attention.dot_product_attention_forward(Q, K, V)
    assert cache.scale == pytest.approx(1 / 3)
    _, unscaled = attention.dot_product_attention_forward(Q, K, V, scale=1.0)
    assert not np.allclose(cache.weights, unscaled.weights)


def test_masked_keys_change_nothing():
    """Whatever a masked key or value holds, the output and the other gradients do not move."""
    Q, K, V = random_qkv(2, 3, 5, 4, 3, seed=2)
    mask = attention.padding_mask(np.array([5, 3]), 5)
    out, cache = attention.dot_product_attention_forward(Q, K, V, mask=mask)
    K2, V2 = K.copy(), V.copy()
    K2[1, 3:] += 100.0
    V2[1, 3:] -= 50.0
    out2, cache2 = attention.dot_product_attention_forward(Q, K2, V2, mask=mask)
    np.testing.assert_array_equal(out, out2)
    grads = attention.dot_product_attention_backward(np.ones_like(out), cache)
    assert (grads["K"][1, 3:] == 0).all() and (grads["V"][1, 3:] == 0).all()


def test_huge_scores_stay_finite():
    Q, K, V = random_qkv(1, 2, 3, 2, 2, seed=3)
    out, cache = attention.dot_product_attention_forward(Q * 1e4, K * 1e4, V)
    assert np.isfinite(out).all() and np.isfinite(cache.weights).all()


def test_masked_softmax_rows_and_zeros():
    scores = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    mask = np.array([[True, False, True], [True, True, True]])
    w = attention.masked_softmax(scores, mask)
    np.testing.assert_allclose(w[0], [1 / (1 + np.e**2), 0.0, np.e**2 / (1 + np.e**2)], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w[1], [1 / 3] * 3, rtol=0, atol=1e-15)
    assert w[0, 1] == 0.0


# ---- additive (Bahdanau) attention ---------------------------------------------------------------------


def torch_additive(Q, K, V, params, mask, dout):
    """The additive score in torch, with autograd: an independent oracle for all six gradients."""
    t = {name: torch.tensor(a, requires_grad=True) for name, a in dict(Q=Q, K=K, V=V, **params).items()}
    S = torch.tanh((t["Q"] @ t["W_q"])[:, :, None, :] + (t["K"] @ t["W_k"])[:, None, :, :])
    e = S @ t["w_v"]
    if mask is not None:
        e = e.masked_fill(~torch.from_numpy(np.broadcast_to(mask, e.shape).copy()), float("-inf"))
    out = torch.softmax(e, dim=-1) @ t["V"]
    (out * torch.from_numpy(dout)).sum().backward()
    return out.detach().numpy(), {name: x.grad.numpy() for name, x in t.items()}


@pytest.mark.parametrize("N,Tq,Tk,dq,dk,dv,A", [(1, 1, 1, 1, 1, 1, 1), (2, 3, 5, 4, 3, 2, 6), (3, 1, 7, 2, 5, 3, 4)])
@pytest.mark.parametrize("kind", ["none", "padding", "random"])
def test_additive_equals_torch_autograd(N, Tq, Tk, dq, dk, dv, A, kind):
    seed = N + 10 * Tk + A
    Q, K, V = random_qkv(N, Tq, Tk, dq, dv, seed, dk=dk)
    params = attention.init_params(dq, dk, A, seed=seed)
    params = {k: v * 2.0 for k, v in params.items()}  # larger than init: tanh away from its linear part
    mask = masks_for(kind, N, Tq, Tk, seed)
    dout = np.random.default_rng(seed + 2).normal(size=(N, Tq, dv))

    out, cache = attention.additive_attention_forward(Q, K, V, params, mask=mask)
    grads = attention.additive_attention_backward(dout, cache)
    expected, expected_grads = torch_additive(Q, K, V, params, mask, dout)

    assert out.shape == (N, Tq, dv)
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL)
    assert set(grads) == {"Q", "K", "V", "W_q", "W_k", "w_v"}
    for name in grads:
        assert grads[name].shape == expected_grads[name].shape, name
        np.testing.assert_allclose(grads[name], expected_grads[name], rtol=0, atol=ATOL, err_msg=name)
    if mask is not None:
        assert (cache.weights[~np.broadcast_to(mask, cache.weights.shape)] == 0.0).all()


def test_additive_w_v_gradient_matches_finite_differences():
    Q, K, V = random_qkv(2, 2, 3, 3, 2, seed=5, dk=4)
    params = attention.init_params(3, 4, 5, seed=5)
    dout = np.random.default_rng(6).normal(size=(2, 2, 2))
    _, cache = attention.additive_attention_forward(Q, K, V, params)

    def loss(w_v):
        return float((attention.additive_attention_forward(Q, K, V, {**params, "w_v": w_v})[0] * dout).sum())

    numeric = numerical_gradient(loss, params["w_v"])
    np.testing.assert_allclose(attention.additive_attention_backward(dout, cache)["w_v"], numeric, rtol=0, atol=1e-8)


def test_one_additive_score_by_hand():
    q, k = np.array([[[1.0, -1.0]]]), np.array([[[0.5, 2.0]]])
    params = {"W_q": np.array([[1.0], [0.0]]), "W_k": np.array([[0.0], [1.0]]), "w_v": np.array([3.0])}
    scores, _ = attention.additive_scores(q, k, params)
    assert scores[0, 0, 0] == pytest.approx(3.0 * np.tanh(1.0 + 2.0))


# ---- bad inputs ----------------------------------------------------------------------------------------


def test_mismatched_shapes_are_named():
    Q, K, V = random_qkv(2, 3, 4, 5, 2, seed=0)
    with pytest.raises(ValueError, match=r"Q must have shape \(N, Tq, dq\), got \(3, 5\)"):
        attention.dot_product_attention_forward(Q[0], K, V)
    with pytest.raises(ValueError, match=r"K must have shape \(N=2, Tk, dk=5\), got \(2, 4, 3\)"):
        attention.dot_product_attention_forward(Q, K[..., :3], V)
    with pytest.raises(ValueError, match=r"V must have shape \(N=2, Tk=4, dv\), got \(2, 3, 2\)"):
        attention.dot_product_attention_forward(Q, K, V[:, :3])
    with pytest.raises(ValueError, match=r"K must have shape \(N=2"):
        attention.dot_product_attention_forward(Q, K[:1], V[:1])
    params = attention.init_params(5, 5, 3, seed=0)
    with pytest.raises(ValueError, match=r"^W_k must have shape \(dk=5, A=3\), got \(4, 3\)$"):
        attention.additive_attention_forward(Q, K, V, {**params, "W_k": np.zeros((4, 3))})
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        attention.additive_attention_forward(Q, K, V, {"W_q": params["W_q"]})
    _, cache = attention.dot_product_attention_forward(Q, K, V)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, Tq=3, dv=2\), got \(2, 3, 5\)$"):
        attention.dot_product_attention_backward(np.zeros((2, 3, 5)), cache)
    _, additive = attention.additive_attention_forward(Q, K, V, params)
    with pytest.raises(ValueError, match="cache must come from dot_product_attention_forward"):
        attention.dot_product_attention_backward(np.zeros((2, 3, 2)), additive)
    with pytest.raises(ValueError, match="cache must come from additive_attention_forward, got a dot-product"):
        attention.additive_attention_backward(np.zeros((2, 3, 2)), cache)
    with pytest.raises(ValueError, match="scale must be a finite number"):
        attention.dot_product_attention_forward(Q, K, V, scale=float("nan"))


def test_bad_masks():
    Q, K, V = random_qkv(2, 3, 4, 5, 2, seed=0)
    with pytest.raises(ValueError, match=r"broadcastable to \(N, Tq, Tk\) = \(2, 3, 4\), got shape \(3, 3\)"):
        attention.dot_product_attention_forward(Q, K, V, mask=np.ones((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="must be a boolean array.*got dtype float64"):
        attention.dot_product_attention_forward(Q, K, V, mask=np.ones((2, 3, 4)))
    mask = np.ones((2, 3, 4), dtype=bool)
    mask[1, 2] = False
    with pytest.raises(ValueError, match="query 2 of sequence 1 with no key to attend to"):
        attention.dot_product_attention_forward(Q, K, V, mask=mask)
    with pytest.raises(ValueError, match="fully masked row"):
        attention.additive_attention_forward(Q, K, V, attention.init_params(5, 5, 3, seed=0), mask=mask)
    with pytest.raises(ValueError, match="fully masked row"):
        attention.masked_softmax(np.zeros((2, 3)), np.array([True, False, False]) & np.array([[True], [False]]))


def test_bad_lengths():
    with pytest.raises(ValueError, match=r"^lengths must hold values in 1..Tk=3, got values in \[0, 2\]$"):
        attention.padding_mask(np.array([0, 2]), 3)
    with pytest.raises(ValueError, match=r"^lengths must be an integer array of shape \(N,\), got float64 \(2,\)$"):
        attention.padding_mask(np.array([1.0, 2.0]), 3)
    with pytest.raises(ValueError, match=r"^T must be a positive int, got 0$"):
        attention.causal_mask(0)
