"""Causal linear attention (Katharopoulos et al., 2020) in numpy (float64): one function, two ways to compute it.

Shapes are batch-first: queries Q and keys K are (N, T, d), values V are (N, T, d_v). Softmax
attention scores a query against a key with exp(q . k); linear attention replaces that with
phi(q) . phi(k), where the feature map phi(x) = elu(x) + 1 keeps every feature positive:

    quadratic form:  out_t = sum_{s<=t} (phi(q_t) . phi(k_s)) v_s / sum_{s<=t} phi(q_t) . phi(k_s)
                     a (T, T) matrix of scores, masked to s <= t, as in chapter 07

    recurrent form:  S_t = S_{t-1} + phi(k_t)^T v_t          (d, d_v): a state that adds one outer product
                     z_t = z_{t-1} + phi(k_t)                 (d,): the normaliser's running sum
                     out_t = phi(q_t) @ S_t / (phi(q_t) . z_t)

The two give the same outputs because phi(q_t) can be taken out of the sum over s: the sum over the
past is a state of fixed size, updated once per step -- an RNN whose state is a matrix. The
quadratic form costs O(T^2) per sequence and keeps every key; the recurrent one O(T), with a
(d, d_v) state whatever the length.

Not a layer on the contract: no parameters (Q, K, V arrive projected) and no backward (its tests
compare both forms with torch autograd's forward); tests/test_layer_contract.py lists it.
"""

import numpy as np

from course_utils._checks import check_shape, shape_error


def phi(x):
    """The feature map elu(x) + 1: x + 1 for x > 0, exp(x) otherwise -- positive, and smooth at 0."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))


def _check(Q, K, V):
    Q = check_shape("Q", Q, ("N", "T", "d")).astype(np.float64)
    N, T, d = Q.shape
    K = check_shape("K", K, (("N", N), ("T", T), ("d", d))).astype(np.float64)
    V = check_shape("V", V, (("N", N), ("T", T), "d_v")).astype(np.float64)
    if T == 0:
        raise shape_error("Q", ("N", "T>=1", "d"), Q.shape)
    return Q, K, V


def linear_attention_quadratic(Q, K, V):
    """Causal linear attention from the (T, T) score matrix. Q, K: (N, T, d); V: (N, T, d_v) -> (N, T, d_v)."""
    Q, K, V = _check(Q, K, V)
    T = Q.shape[1]
    scores = phi(Q) @ phi(K).transpose(0, 2, 1)  # (N, T, T): phi(q_t) . phi(k_s)
    scores = scores * np.tril(np.ones((T, T)))  # causal: step t sees s <= t only
    return (scores @ V) / scores.sum(axis=2, keepdims=True)


def linear_attention_recurrent(Q, K, V, *, return_states=False):
    """The same outputs from the running state S_t = S_{t-1} + phi(k_t)^T v_t, one step at a time.

    Q, K: (N, T, d); V: (N, T, d_v). Returns out (N, T, d_v); with return_states=True also the last
    (S (N, d, d_v), z (N, d)): the whole memory of the past, of the same size for any T.
    """
    Q, K, V = _check(Q, K, V)
    N, T, d = Q.shape
    fq, fk = phi(Q), phi(K)
    S, z = np.zeros((N, d, V.shape[2])), np.zeros((N, d))
    out = np.empty((N, T, V.shape[2]))
    for t in range(T):
        # S_t = S_{t-1} + phi(k_t)^T v_t;  z_t = z_{t-1} + phi(k_t)
        S = S + fk[:, t, :, None] * V[:, t, None, :]  # (N, d, d_v): one outer product per sequence
        z = z + fk[:, t]
        # out_t = phi(q_t) S_t / (phi(q_t) . z_t)
        out[:, t] = np.einsum("nd,ndv->nv", fq[:, t], S) / np.einsum("nd,nd->n", fq[:, t], z)[:, None]
    return (out, (S, z)) if return_states else out
