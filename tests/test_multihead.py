"""multihead against torch.nn.MultiheadAttention(batch_first=True) in float64 (1e-10): the output, the
per-head and head-averaged weights, and every gradient from torch autograd; masks True = may attend."""

import numpy as np
import pytest
import torch

from course_utils.layers import attention, multihead

ATOL = 1e-10


def torch_mha(E, h, seed, kdim=None, vdim=None):
    torch.manual_seed(seed)
    layer = torch.nn.MultiheadAttention(E, h, batch_first=True, kdim=kdim, vdim=vdim).double().eval()
    with torch.no_grad():
        for p in layer.parameters():  # biases start at 0 in torch: randomise every one, differently
            p.normal_(0.0, 0.5)
    return layer


def mask_for(kind, N, Tq, Tk, seed):
    if kind == "none":
        return None
    if kind == "causal":
        return attention.causal_mask(Tq, Tk)  # column 0 is always True: no empty row
    lengths = np.random.default_rng(seed).integers(1, Tk + 1, size=N)
    return attention.padding_mask(lengths, Tk)


def torch_kwargs(kind, mask):
    """torch's masks mean True = IGNORE, the opposite of ours."""
    if kind == "padding":
        return {"key_padding_mask": torch.from_numpy(~mask[:, 0, :])}
    if kind == "causal":
        return {"attn_mask": torch.from_numpy(~mask)}
    return {}


def torch_grads(layer, Xq, Xk, Xv, dout, kwargs):
    """Autograd gradients of sum(out * dout), named like ours (weights transposed, in_proj split)."""
    X = [torch.tensor(a, requires_grad=True) for a in (Xq, Xk, Xv)]
    out, _ = layer(*X, **kwargs)
    layer.zero_grad()
    (out * torch.from_numpy(dout)).sum().backward()
    E = layer.embed_dim
    grads = {"Xq": X[0].grad, "Xk": X[1].grad, "Xv": X[2].grad}
    for j, k in enumerate("qkv"):
        if layer._qkv_same_embed_dim:
            grads[f"W_{k}"] = layer.in_proj_weight.grad[j * E : (j + 1) * E].T
        else:
            grads[f"W_{k}"] = getattr(layer, f"{k}_proj_weight").grad.T
        grads[f"b_{k}"] = layer.in_proj_bias.grad[j * E : (j + 1) * E]
    grads["W_o"], grads["b_o"] = layer.out_proj.weight.grad.T, layer.out_proj.bias.grad
    return {name: g.numpy() for name, g in grads.items()}


@pytest.mark.parametrize("N,Tq,Tk,E,h", [(1, 1, 1, 1, 1), (2, 4, 6, 8, 2), (3, 5, 5, 12, 4), (2, 3, 7, 6, 6)])
@pytest.mark.parametrize("kind", ["none", "padding", "causal"])
def test_forward_and_backward_equal_torch(N, Tq, Tk, E, h, kind):
    layer = torch_mha(E, h, seed=N + Tk + E)
    rng = np.random.default_rng(E + Tq)
    Xq, Xk, Xv = rng.normal(size=(N, Tq, E)), rng.normal(size=(N, Tk, E)), rng.normal(size=(N, Tk, E))
    dout = rng.normal(size=(N, Tq, E))
    mask = mask_for(kind, N, Tq, Tk, seed=Tk)
    kwargs = torch_kwargs(kind, mask)

    out, cache = multihead.multihead_attention_forward(Xq, Xk, Xv, multihead.params_from_torch(layer),
                                                       num_heads=h, mask=mask)
    expected, expected_w = layer(*(torch.from_numpy(x) for x in (Xq, Xk, Xv)), need_weights=True, **kwargs)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(cache.mean_weights(), expected_w.detach().numpy(), rtol=0, atol=ATOL)
    _, per_head = layer(*(torch.from_numpy(x) for x in (Xq, Xk, Xv)), average_attn_weights=False, **kwargs)
    np.testing.assert_allclose(cache.weights, per_head.detach().numpy(), rtol=0, atol=ATOL)

    grads = multihead.multihead_attention_backward(dout, cache)
    expected_grads = torch_grads(layer, Xq, Xk, Xv, dout, kwargs)
    assert set(grads) == set(expected_grads)
    for name, g in grads.items():
        np.testing.assert_allclose(g, expected_grads[name], rtol=0, atol=ATOL, err_msg=name)


def test_other_kdim_vdim_forward_and_backward():
    layer = torch_mha(6, 3, seed=4, kdim=4, vdim=5)
    rng = np.random.default_rng(4)
    Xq, Xk, Xv = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 5))
    dout = rng.normal(size=(2, 3, 6))
    out, cache = multihead.multihead_attention_forward(Xq, Xk, Xv, multihead.params_from_torch(layer), num_heads=3)
    expected, w = layer(*(torch.from_numpy(x) for x in (Xq, Xk, Xv)))
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(cache.mean_weights(), w.detach().numpy(), rtol=0, atol=ATOL)
    grads = multihead.multihead_attention_backward(dout, cache)
    for name, g in torch_grads(layer, Xq, Xk, Xv, dout, {}).items():
        np.testing.assert_allclose(grads[name], g, rtol=0, atol=ATOL, err_msg=name)


def test_self_attention_gradient_is_the_sum_of_the_three():
    """Xq = Xk = Xv = X: dL/dX is the sum of the three input gradients (torch, one leaf)."""
    layer = torch_mha(8, 2, seed=1)
    rng = np.random.default_rng(1)
    X, dout = rng.normal(size=(2, 5, 8)), rng.normal(size=(2, 5, 8))
    _, cache = multihead.multihead_attention_forward(X, X, X, multihead.params_from_torch(layer), num_heads=2)
    g = multihead.multihead_attention_backward(dout, cache)
    Xt = torch.tensor(X, requires_grad=True)
    (layer(Xt, Xt, Xt)[0] * torch.from_numpy(dout)).sum().backward()
    np.testing.assert_allclose(g["Xq"] + g["Xk"] + g["Xv"], Xt.grad.numpy(), rtol=0, atol=ATOL)


def test_init_params_like_torch():
    params = multihead.init_params(8, 2, seed=0)
    assert set(params) == set(multihead.PARAMS)
    assert params["W_q"].shape == (8, 8) and params["b_o"].shape == (8,)
    assert all((params[f"b_{k}"] == 0).all() for k in "qkvo")
    assert np.abs(params["W_q"]).max() <= np.sqrt(6 / 32) and np.abs(params["W_o"]).max() <= 1 / np.sqrt(8)
    out, _ = multihead.multihead_attention_forward(np.ones((1, 2, 8)), np.ones((1, 3, 8)), np.ones((1, 3, 8)),
                                                   params, num_heads=4)
    assert out.shape == (1, 2, 8)
    with pytest.raises(ValueError, match=r"^num_heads must be a positive int that divides E=8, got 3$"):
        multihead.init_params(8, 3, seed=0)
    with pytest.raises(ValueError, match=r"^E must be a positive int, got 0$"):
        multihead.init_params(0, 1, seed=0)


def test_params_from_torch_refuses_other_layouts():
    with pytest.raises(ValueError, match="batch_first=True"):
        multihead.params_from_torch(torch.nn.MultiheadAttention(4, 2))
    with pytest.raises(ValueError, match="add_bias_kv"):
        multihead.params_from_torch(torch.nn.MultiheadAttention(4, 2, batch_first=True, add_bias_kv=True))
    with pytest.raises(ValueError, match="MultiheadAttention"):
        multihead.params_from_torch(torch.nn.Linear(4, 4))


def test_bad_inputs():
    params = multihead.params_from_torch(torch_mha(8, 2, seed=0))
    X = np.zeros((2, 3, 8))
    with pytest.raises(ValueError, match=r"^num_heads must be a positive int that divides E=8, got 3$"):
        multihead.multihead_attention_forward(X, X, X, params, num_heads=3)
    with pytest.raises(ValueError, match=r"^Xq must have shape \(N, Tq, E=8\), got \(2, 3, 6\)$"):
        multihead.multihead_attention_forward(X[..., :6], X, X, params, num_heads=2)
    with pytest.raises(ValueError, match=r"^Xv must have shape \(N=2, Tk=3, vdim\), got \(2, 4, 8\)$"):
        multihead.multihead_attention_forward(X, X, np.zeros((2, 4, 8)), params, num_heads=2)
    with pytest.raises(ValueError, match=r"^W_k must have shape \(kdim=8, E=8\), got \(8, 4\)$"):
        multihead.multihead_attention_forward(X, X, X, params | {"W_k": np.zeros((8, 4))}, num_heads=2)
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        multihead.multihead_attention_forward(X, X, X, {"W_q": params["W_q"]}, num_heads=2)
    with pytest.raises(ValueError, match="fully masked row"):
        multihead.multihead_attention_forward(X, X, X, params, num_heads=2, mask=np.zeros((3,), dtype=bool))
    _, cache = multihead.multihead_attention_forward(X, X, X, params, num_heads=2)
    with pytest.raises(ValueError, match=r"^dout must have shape \(N=2, Tq=3, E=8\), got \(2, 3\)$"):
        multihead.multihead_attention_backward(np.zeros((2, 3)), cache)
    _, dot = attention.dot_product_attention_forward(X, X, X)
    with pytest.raises(ValueError, match="cache must be the MultiheadCache returned by multihead_attention_forward, "
                                         "got AttentionCache"):
        multihead.multihead_attention_backward(np.zeros((2, 3, 8)), dot)
