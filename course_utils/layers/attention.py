"""Attention in numpy (float64): scaled dot-product and additive (Bahdanau), forward and backward; masks.

Shapes are batch-first. Queries Q are (N, Tq, dq): N sequences, Tq queries each; keys K are (N, Tk, dk)
and values V are (N, Tk, dv), one key and one value per position of the sequence being looked at.
Every query scores every key, the scores of one query go through a softmax over the Tk keys, and the
output for that query is the weighted average of the values (row-vector convention):

    scores  S = score(Q, K)                 (N, Tq, Tk)
    weights A = softmax(S, over the keys)   (N, Tq, Tk)   each row sums to 1
    output    = A @ V                       (N, Tq, dv)

Two score functions:
- scaled dot product (Luong's "dot", scaled as in transformers): S = Q @ K^T * scale, scale = 1/sqrt(d)
  by default (d = dq = dk). The scale keeps the scores' variance near 1 whatever d is.
- additive (Bahdanau et al. 2015): e_ij = tanh(q_i @ W_q + k_j @ W_k) . w_v, with parameters
  W_q (dq, A), W_k (dk, A) and w_v (A,) -- a one-hidden-layer network of A units per (query, key) pair.

Masks. `mask` is a boolean array broadcastable to (N, Tq, Tk), True where a query MAY attend to a key
(the convention of torch.nn.functional.scaled_dot_product_attention). Masked keys get a weight of
exactly 0 and receive no gradient. A query whose row is masked everywhere has nothing to average:
that is a ValueError here (torch's maths gives NaN). Beware: torch.nn.MultiheadAttention's
`key_padding_mask` and its boolean `attn_mask` mean the OPPOSITE -- True there means "ignore".

Contract. `init_params(dq, dk, A, *, seed)` builds the additive layer's parameters. There is no
`params_from_torch`: additive attention has no torch.nn twin (torch's only attention module is
nn.MultiheadAttention, whose numpy twin is `multihead`; the dot product has no parameters), so the
additive layer is checked against the same formula written in torch, with autograd. The forward and
backward pairs are `dot_product_attention_forward/_backward` and `additive_attention_forward/_backward`.
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import int_ids, positive_int
from course_utils.layers.common import as_array

ADDITIVE_PARAMS = ("W_q", "W_k", "w_v")


class AttentionCache(NamedTuple):
    """What a dot-product or additive forward pass remembers for its backward pass."""

    Q: np.ndarray  # (N, Tq, dq)
    K: np.ndarray  # (N, Tk, dk)
    V: np.ndarray  # (N, Tk, dv)
    weights: np.ndarray  # (N, Tq, Tk)  the softmax weights; 0 where masked
    scale: float | None  # dot product: the factor on Q @ K^T; additive: None
    S: np.ndarray | None  # additive only: tanh(q W_q + k W_k), (N, Tq, Tk, A)
    params: dict | None  # additive only


# ---- input checks ----------------------------------------------------------------------------------


def _check_qkv(Q, K, V, *, same_d=True):
    """Check Q (N, Tq, dq), K (N, Tk, dk), V (N, Tk, dv) fit together; return them as float64."""
    Q = as_array("Q", Q, ("N", "Tq", "dq"))
    N, Tq, dq = Q.shape
    K = as_array("K", K, (("N", N), "Tk", ("dk", dq) if same_d else "dk"))
    V = as_array("V", V, (("N", N), ("Tk", K.shape[1]), "dv"))
    if 0 in Q.shape[:2] or K.shape[1] == 0:
        raise ValueError(f"Q and K need at least one sequence, query and key, got Q {Q.shape} and K {K.shape}")
    return Q, K, V


def check_mask(mask, shape):
    """The mask broadcast to `shape` (N, Tq, Tk) as a boolean array; None means attend everywhere.

    Raises ValueError for a non-boolean mask, one that cannot broadcast, or a row with no True.
    """
    if mask is None:
        return np.ones(shape, dtype=bool)
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise ValueError(
            f"mask must be a boolean array (True = may attend), got dtype {mask.dtype}; "
            "build one with a comparison, e.g. lengths[:, None, None] > np.arange(Tk)"
        )
    try:
        mask = np.broadcast_to(mask, shape)
    except ValueError:
        raise ValueError(f"mask must be broadcastable to (N, Tq, Tk) = {shape}, got shape {mask.shape}") from None
    empty = ~mask.any(axis=-1)
    if empty.any():
        where = tuple(int(i) for i in np.argwhere(empty)[0])
        raise ValueError(
            f"mask leaves query {where[-1]} of sequence {where[0]} with no key to attend to "
            "(a fully masked row): every row of the mask needs at least one True"
        )
    return mask


def _check_dout(dout, out_shape):
    """dout as float64 with the output's shape (N, Tq, dv), or the contract's ValueError."""
    return as_array("dout", dout, tuple(zip(("N", "Tq", "dv"), out_shape)))


# ---- the shared softmax ------------------------------------------------------------------------------


def masked_softmax(scores, mask=None):
    """Softmax over the last axis of `scores` (..., Tk), with weight exactly 0 where `mask` is False.

    mask: boolean, broadcastable to scores' shape, True = may attend. Every row needs one True.
    """
    scores = np.asarray(scores, dtype=np.float64)
    mask = check_mask(mask, scores.shape)
    shifted = np.where(mask, scores, -np.inf)
    shifted = shifted - shifted.max(axis=-1, keepdims=True)  # the largest allowed score becomes 0
    e = np.where(mask, np.exp(shifted), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_backward(dweights, weights):
    """dL/dscores from dL/dweights for a row-wise softmax: A * (dA - sum(dA * A))."""
    return weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True))


def _mix_backward(dout, cache):
    """Gradients of out = A @ V: (dA, dV)."""
    dweights = dout @ cache.V.transpose(0, 2, 1)  # (N, Tq, Tk)
    dV = cache.weights.transpose(0, 2, 1) @ dout  # (N, Tk, dv)
    return dweights, dV


# ---- scaled dot-product attention ---------------------------------------------------------------------


def dot_product_attention_forward(Q, K, V, *, mask=None, scale=None):
    """out = softmax(Q @ K^T * scale, masked) @ V.

    Q (N, Tq, d), K (N, Tk, d), V (N, Tk, dv); mask broadcastable to (N, Tq, Tk), True = may attend;
    scale defaults to 1/sqrt(d). Returns out (N, Tq, dv) and an AttentionCache (weights in cache.weights).
    """
    Q, K, V = _check_qkv(Q, K, V)
    if scale is None:
        scale = 1.0 / np.sqrt(Q.shape[2])
    elif isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating)) or not np.isfinite(scale):
        raise ValueError(f"scale must be a finite number (or None for 1/sqrt(d)), got {scale!r}")
    scores = (Q @ K.transpose(0, 2, 1)) * scale  # (N, Tq, Tk)
    weights = masked_softmax(scores, check_mask(mask, scores.shape))
    out = weights @ V  # (N, Tq, dv)
    return out, AttentionCache(Q, K, V, weights, float(scale), None, None)


def dot_product_attention_backward(dout, cache):
    """Gradients of the scaled dot-product attention: {"Q", "K", "V"}, each the shape of its input.

    dout: (N, Tq, dv), the gradient of the loss with respect to the output.
    """
    if not isinstance(cache, AttentionCache) or cache.S is not None:
        raise ValueError(f"cache must come from dot_product_attention_forward, got {type(cache).__name__}"
                         + (" from additive_attention_forward" if isinstance(cache, AttentionCache) else ""))
    dout = _check_dout(dout, cache.weights.shape[:2] + cache.V.shape[2:])
    dweights, dV = _mix_backward(dout, cache)
    dscores = _softmax_backward(dweights, cache.weights) * cache.scale  # masked entries: weight 0, so 0
    return {"Q": dscores @ cache.K, "K": dscores.transpose(0, 2, 1) @ cache.Q, "V": dV}


# ---- additive (Bahdanau) attention --------------------------------------------------------------------


def init_params(dq, dk, A, *, seed):
    """Random additive-attention parameters: W_q (dq, A), W_k (dk, A), w_v (A,), U(-1/sqrt(fan_in), +)."""
    dq, dk, A = positive_int("dq", dq), positive_int("dk", dk), positive_int("A", A)
    rng = np.random.default_rng(seed)
    return {
        "W_q": rng.uniform(-1, 1, size=(dq, A)) / np.sqrt(dq),
        "W_k": rng.uniform(-1, 1, size=(dk, A)) / np.sqrt(dk),
        "w_v": rng.uniform(-1, 1, size=A) / np.sqrt(A),
    }


def _check_additive_params(params, dq, dk):
    if not isinstance(params, dict) or set(params) != set(ADDITIVE_PARAMS):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params must be a dict with keys {list(ADDITIVE_PARAMS)}, got {got}")
    w_v = as_array("w_v", params["w_v"], ("A",))
    A = w_v.shape[0]
    W_q = as_array("W_q", params["W_q"], (("dq", dq), ("A", A)))
    W_k = as_array("W_k", params["W_k"], (("dk", dk), ("A", A)))
    return {"W_q": W_q, "W_k": W_k, "w_v": w_v}


def additive_scores(Q, K, params):
    """Bahdanau's scores e_ij = tanh(q_i @ W_q + k_j @ W_k) . w_v, (N, Tq, Tk), and the tanh layer S (N, Tq, Tk, A)."""
    S = np.tanh((Q @ params["W_q"])[:, :, None, :] + (K @ params["W_k"])[:, None, :, :])  # (N, Tq, Tk, A)
    return S @ params["w_v"], S


def additive_attention_forward(Q, K, V, params, *, mask=None):
    """out = softmax(tanh(Q W_q + K W_k) . w_v, masked) @ V.

    Q (N, Tq, dq), K (N, Tk, dk), V (N, Tk, dv); params from `init_params`; mask as in the module
    docstring. Returns out (N, Tq, dv) and an AttentionCache (weights in cache.weights).
    """
    Q, K, V = _check_qkv(Q, K, V, same_d=False)
    params = _check_additive_params(params, Q.shape[2], K.shape[2])
    scores, S = additive_scores(Q, K, params)
    weights = masked_softmax(scores, check_mask(mask, scores.shape))
    return weights @ V, AttentionCache(Q, K, V, weights, None, S, params)


def additive_attention_backward(dout, cache):
    """Gradients of additive attention: {"Q", "K", "V", "W_q", "W_k", "w_v"}, each the shape of its input."""
    if not isinstance(cache, AttentionCache) or cache.S is None:
        raise ValueError("cache must come from additive_attention_forward, got "
                         + ("a dot-product cache" if isinstance(cache, AttentionCache) else type(cache).__name__))
    dout = _check_dout(dout, cache.weights.shape[:2] + cache.V.shape[2:])
    p = cache.params
    dweights, dV = _mix_backward(dout, cache)
    de = _softmax_backward(dweights, cache.weights)  # (N, Tq, Tk)
    dw_v = np.einsum("nqk,nqka->a", de, cache.S)
    dpre = de[..., None] * p["w_v"] * (1.0 - cache.S**2)  # through tanh, (N, Tq, Tk, A)
    dqa, dka = dpre.sum(axis=2), dpre.sum(axis=1)  # (N, Tq, A), (N, Tk, A)
    return {
        "Q": dqa @ p["W_q"].T,
        "K": dka @ p["W_k"].T,
        "V": dV,
        "W_q": np.einsum("nqd,nqa->da", cache.Q, dqa),
        "W_k": np.einsum("nkd,nka->da", cache.K, dka),
        "w_v": dw_v,
    }


# ---- masks ---------------------------------------------------------------------------------------------


def causal_mask(T, Tk=None):
    """(T, Tk) boolean mask, True on and below the diagonal: query t may attend to keys 0 ... t."""
    T = positive_int("T", T)
    Tk = T if Tk is None else positive_int("Tk", Tk)
    return np.tril(np.ones((T, Tk), dtype=bool))


def padding_mask(lengths, Tk):
    """(N, 1, Tk) boolean mask, True for the first lengths[n] keys of sequence n (the real ones)."""
    Tk = positive_int("Tk", Tk)
    lengths = int_ids("lengths", lengths, nonempty=True)
    if lengths.min() < 1 or lengths.max() > Tk:
        raise ValueError(f"lengths must hold values in 1..Tk={Tk}, got values in [{lengths.min()}, {lengths.max()}]")
    return (np.arange(Tk) < lengths[:, None])[:, None, :]
