"""Multi-head attention in numpy (float64), forward and backward, equal to torch.nn.MultiheadAttention.

Shapes are batch-first: queries Xq (N, Tq, E), keys Xk (N, Tk, kdim), values Xv (N, Tk, vdim); E is the
embedding size, split over h heads of E/h features each. Row-vector convention, as on the slides:

    Q = Xq @ W_q + b_q,  K = Xk @ W_k + b_k,  V = Xv @ W_v + b_v     (N, T, E), split into h heads (N, h, T, E/h)
    head_j = softmax(Q_j @ K_j^T / sqrt(E/h), masked) @ V_j           scaled dot-product attention per head
    out = concat(head_1 ... head_h) @ W_o + b_o                       (N, Tq, E)

with W_q (E, E), W_k (kdim, E), W_v (vdim, E), W_o (E, E) and biases (E,). Head j owns features
j*E/h ... (j+1)*E/h - 1 of Q, K and V. Self-attention is Xq = Xk = Xv.

The mask is `attention`'s: boolean, broadcastable to (N, Tq, Tk), True where a query MAY attend to a key,
the same for every head. torch.nn.MultiheadAttention's `key_padding_mask` and boolean `attn_mask` mean the
OPPOSITE (True = ignore). torch reports the weights averaged over the heads: `MultiheadCache.mean_weights()`.

torch's layer stores y = x @ weight.T + bias, so our matrices are its weights transposed; with
kdim = vdim = E it stacks the three input projections in in_proj_weight (3E, E), rows q, k, v. Only
bias=True, add_bias_kv=False, add_zero_attn=False, batch_first=True, evaluated without dropout, has a twin
here.

Contract: `init_params(E, num_heads, *, seed)`; `params_from_torch(nn.MultiheadAttention)`;
`multihead_attention_forward(Xq, Xk, Xv, params, *, num_heads, mask=None) -> (out, cache)`;
`multihead_attention_backward(dout, cache) -> dict` keyed "Xq", "Xk", "Xv" (the layer has three inputs,
not one X: for self-attention the gradient of X is their sum) and one key per parameter.
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import positive_int
from course_utils.layers import attention
from course_utils.layers.common import as_array, is_torch_module, to_numpy

PARAMS = ("W_q", "b_q", "W_k", "b_k", "W_v", "b_v", "W_o", "b_o")


class MultiheadCache(NamedTuple):
    """What multi-head attention computed: its inputs and parameters, every head's weights and outputs."""

    Xq: np.ndarray  # (N, Tq, E)
    Xk: np.ndarray  # (N, Tk, kdim)
    Xv: np.ndarray  # (N, Tk, vdim)
    params: dict  # float64 copies of the eight arrays
    weights: np.ndarray  # (N, h, Tq, Tk)  every head's attention weights
    heads: np.ndarray  # (N, Tq, E)  the heads' outputs side by side, before W_o
    attention: attention.AttentionCache  # the heads' dot-product attention, N * h sequences of E/h features

    def mean_weights(self):
        """The weights averaged over the heads, (N, Tq, Tk): what torch returns by default."""
        return self.weights.mean(axis=1)


def _num_heads(num_heads, E):
    h = positive_int("num_heads", num_heads)
    if E % h:
        raise ValueError(f"num_heads must be a positive int that divides E={E}, got {num_heads!r}")
    return h


def init_params(E, num_heads, *, seed):
    """Random parameters for nn.MultiheadAttention(E, num_heads) with kdim = vdim = E (float64).

    Drawn like torch's defaults: W_q, W_k, W_v from the Xavier-uniform U(-sqrt(6 / 4E), +) of the stacked
    (3E, E) projection, W_o from U(-1/sqrt(E), 1/sqrt(E)), every bias 0. num_heads must divide E; the
    arrays do not depend on it (the heads split the projections, they do not add weights).
    """
    E = positive_int("E", E)
    _num_heads(num_heads, E)
    rng = np.random.default_rng(seed)
    bound_in, bound_out = np.sqrt(6.0 / (4 * E)), 1.0 / np.sqrt(E)
    params = {}
    for name in ("q", "k", "v"):
        params[f"W_{name}"] = rng.uniform(-bound_in, bound_in, size=(E, E))
        params[f"b_{name}"] = np.zeros(E)
    params["W_o"], params["b_o"] = rng.uniform(-bound_out, bound_out, size=(E, E)), np.zeros(E)
    return {name: params[name] for name in PARAMS}


def params_from_torch(module):
    """Copy a `torch.nn.MultiheadAttention(batch_first=True)`'s weights: W_q (E, E) ... W_o (E, E), b_o (E,).

    torch keeps y = x @ weight.T + bias, so our row-convention matrices are the transposes. With
    kdim = vdim = E it stacks the three input projections in in_proj_weight (3E, E): rows 0:E are q,
    E:2E are k, 2E:3E are v; otherwise they are q_proj_weight, k_proj_weight (E, kdim), v_proj_weight.
    """
    if not is_torch_module(module, "MultiheadAttention"):
        raise ValueError(f"module must be a torch.nn.MultiheadAttention, got {type(module).__name__}")
    if not module.batch_first or module.bias_k is not None or module.add_zero_attn or module.in_proj_bias is None:
        raise ValueError(
            "module must be nn.MultiheadAttention(batch_first=True, bias=True, add_bias_kv=False, "
            f"add_zero_attn=False), got batch_first={module.batch_first}, bias={module.in_proj_bias is not None}, "
            f"add_bias_kv={module.bias_k is not None}, add_zero_attn={module.add_zero_attn}"
        )
    E = module.embed_dim
    if module._qkv_same_embed_dim:
        W = to_numpy(module.in_proj_weight)  # (3E, E)
        W_q, W_k, W_v = W[:E], W[E : 2 * E], W[2 * E :]
    else:
        W_q, W_k, W_v = (to_numpy(getattr(module, f"{k}_proj_weight")) for k in "qkv")
    b = to_numpy(module.in_proj_bias)
    return {
        "W_q": W_q.T.copy(), "b_q": b[:E], "W_k": W_k.T.copy(), "b_k": b[E : 2 * E],
        "W_v": W_v.T.copy(), "b_v": b[2 * E :],
        "W_o": to_numpy(module.out_proj.weight).T.copy(), "b_o": to_numpy(module.out_proj.bias),
    }  # fmt: skip


def _check_inputs(Xq, Xk, Xv, params, num_heads):
    """Return (Xq, Xk, Xv, float64 params, h) after checking that they all fit together."""
    if not isinstance(params, dict) or set(params) != set(PARAMS):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys {list(PARAMS)}, got {got}")
    W_o = as_array("W_o", params["W_o"], ("E", "E"))
    E = W_o.shape[1]
    h = _num_heads(num_heads, E)
    Xq = as_array("Xq", Xq, ("N", "Tq", ("E", E)))
    N = Xq.shape[0]
    Xk = as_array("Xk", Xk, (("N", N), "Tk", "kdim"))
    Xv = as_array("Xv", Xv, (("N", N), ("Tk", Xk.shape[1]), "vdim"))
    dims = {
        "W_q": (("E", E), ("E", E)), "W_k": (("kdim", Xk.shape[2]), ("E", E)),
        "W_v": (("vdim", Xv.shape[2]), ("E", E)), "W_o": (("E", E), ("E", E)),
        "b_q": (("E", E),), "b_k": (("E", E),), "b_v": (("E", E),), "b_o": (("E", E),),
    }  # fmt: skip
    return Xq, Xk, Xv, {name: as_array(name, params[name], dims[name]) for name in PARAMS}, h


def _split_heads(Y, h):
    """(N, T, E) -> (N * h, T, E/h): head j of sequence n becomes sequence n * h + j."""
    N, T, E = Y.shape
    return Y.reshape(N, T, h, E // h).transpose(0, 2, 1, 3).reshape(N * h, T, E // h)


def _merge_heads(Y, h):
    """(N * h, T, E/h) -> (N, T, E): the inverse of _split_heads, the heads side by side."""
    Nh, T, d = Y.shape
    return Y.reshape(Nh // h, h, T, d).transpose(0, 2, 1, 3).reshape(Nh // h, T, h * d)


def multihead_attention_forward(Xq, Xk, Xv, params, *, num_heads, mask=None):
    """Multi-head attention, equal to nn.MultiheadAttention(batch_first=True) in eval mode.

    Xq (N, Tq, E), Xk (N, Tk, kdim), Xv (N, Tk, vdim); params from `init_params` or `params_from_torch`;
    mask broadcastable to (N, Tq, Tk), True = may attend (the same for every head). Self-attention is
    Xq = Xk = Xv. Returns out (N, Tq, E) and a MultiheadCache.
    """
    Xq, Xk, Xv, p, h = _check_inputs(Xq, Xk, Xv, params, num_heads)
    N, Tq, E = Xq.shape
    Tk = Xk.shape[1]
    mask = attention.check_mask(mask, (N, Tq, Tk))
    Q, K, V = (_split_heads(X @ p[f"W_{k}"] + p[f"b_{k}"], h) for X, k in ((Xq, "q"), (Xk, "k"), (Xv, "v")))
    # one copy of sequence n's mask per head, in the (n, head) order of _split_heads
    heads, cache = attention.dot_product_attention_forward(Q, K, V, mask=np.repeat(mask, h, axis=0))
    heads = _merge_heads(heads, h)  # (N, Tq, E): concatenate the heads
    out = heads @ p["W_o"] + p["b_o"]  # (N, Tq, E)
    return out, MultiheadCache(Xq, Xk, Xv, p, cache.weights.reshape(N, h, Tq, Tk), heads, cache)


def multihead_attention_backward(dout, cache):
    """Gradients of multi-head attention given dout = dL/dout (N, Tq, E).

    Returns {"Xq": (N, Tq, E), "Xk": (N, Tk, kdim), "Xv": (N, Tk, vdim)} plus one key per parameter.
    Going back: out = heads @ W_o + b_o; every head is a dot-product attention (its backward is
    `attention.dot_product_attention_backward`); each projection Y = X @ W + b gives dW = X^T dY,
    db = sum of dY, dX = dY @ W^T, summed over the batch and the time steps.
    """
    if not isinstance(cache, MultiheadCache):
        raise ValueError(
            f"cache must be the MultiheadCache returned by multihead_attention_forward, got {type(cache).__name__}"
        )
    N, Tq, E = cache.heads.shape
    h = cache.weights.shape[1]
    dout = as_array("dout", dout, (("N", N), ("Tq", Tq), ("E", E)))
    p = cache.params
    grads = {
        "W_o": cache.heads.reshape(-1, E).T @ dout.reshape(-1, E),  # (E, N*Tq) @ (N*Tq, E)
        "b_o": dout.sum(axis=(0, 1)),
    }
    dheads = dout @ p["W_o"].T  # (N, Tq, E)
    d = attention.dot_product_attention_backward(_split_heads(dheads, h), cache.attention)
    for k, X in (("q", cache.Xq), ("k", cache.Xk), ("v", cache.Xv)):
        dY = _merge_heads(d[k.upper()], h)  # (N, T, E): gradient of the projection X @ W + b
        grads[f"X{k}"] = dY @ p[f"W_{k}"].T
        grads[f"W_{k}"] = X.reshape(-1, X.shape[2]).T @ dY.reshape(-1, E)
        grads[f"b_{k}"] = dY.sum(axis=(0, 1))
    return {name: grads[name] for name in ("Xq", "Xk", "Xv", *PARAMS)}
