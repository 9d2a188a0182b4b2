"""word2vec in numpy (float64): skip-gram and CBOW, full softmax and negative sampling.

V words, D dimensions, N (centre, context) pairs per batch, K noise words per pair. Two matrices:

    W_in  (V, D)   row w is v_w, the vector of w as a CENTRE word: "the embedding" the course keeps
    W_out (V, D)   row w is u_w, the vector of w as a CONTEXT (output) word

A one-hot input x_w times W_in is row w of W_in, so the "hidden layer" is a row lookup h = v_c
(skip-gram) or the mean of the context words' rows (CBOW), with no bias and no activation.

Full softmax (one loss per pair, O(V) per pair: every word's score is computed):

    scores = h @ W_out.T                    (N, V)
    loss   = -log softmax(scores)[o]        (N,)      o = the true output word

Negative sampling (O(K) per pair): tell the true word from K noise words n_1..n_K,

    loss = -log sigma(u_o . h) - sum_k log sigma(-u_{n_k} . h)

Skip-gram predicts the context word o from the centre c (h = v_c); CBOW predicts the centre word
from its 2C context words (h = mean of their v's). Gradients are dense (V, D) arrays in which repeated
indices add up -- a noise word drawn twice, a centre repeated in the batch -- so the updates use
`np.add.at`, never `W[idx] += g` (which keeps only one of the repeats).

Contract: `init_params(V, D, *, seed)`; `skipgram_forward(center, context, params, *, negatives=None)
-> (loss (N,), cache)`; `skipgram_backward(dloss (N,), cache) -> {"W_in", "W_out"}`; the same pair for
CBOW with `context` (N, 2C) first and `center` second. There is no `params_from_torch`, a documented exception
of the contract: word2vec has no torch.nn twin (`models.word2vec_torch` trains the same model with hand-written
SGD).
"""

from typing import NamedTuple

import numpy as np

from course_utils._checks import int_ids, positive_int, shape_error
from course_utils.layers.common import as_array, log_softmax, sigmoid


class Word2VecCache(NamedTuple):
    """What the forward pass remembers for the backward pass; `kind` says which forward made it."""

    kind: str  # "skipgram" or "cbow"
    inputs: np.ndarray  # (N,) centre words (skip-gram) or (N, 2C) context words (CBOW): rows of W_in used
    h: np.ndarray  # (N, D) hidden vectors
    target: np.ndarray  # (N,) the word to predict
    negatives: np.ndarray | None  # (N, K) noise words, or None for the full softmax
    W_out: np.ndarray  # (V, D)
    probs: np.ndarray | None  # (N, V) softmax, full softmax only
    sig_pos: np.ndarray | None  # (N,) sigma(u_o . h), negative sampling only
    sig_neg: np.ndarray | None  # (N, K) sigma(u_n . h), negative sampling only
    V: int


def log_sigmoid(x):
    """log sigma(x) = -log(1 + exp(-x)), stable for large |x|."""
    return -np.logaddexp(0.0, -x)


def init_params(V, D, *, seed):
    """{"W_in": (V, D), "W_out": (V, D)} float64, initialised as the reference C tool does.

    W_in ~ U(-0.5 / D, 0.5 / D); W_out = 0. Zero output vectors are fine: the first gradient of W_out is
    the (random) centre vectors, which breaks the symmetry.
    """
    V, D = positive_int("V", V), positive_int("D", D)
    rng = np.random.default_rng(seed)
    return {"W_in": rng.uniform(-0.5 / D, 0.5 / D, size=(V, D)), "W_out": np.zeros((V, D))}


def _check_params(params):
    missing = [k for k in ("W_in", "W_out") if k not in params]
    if missing:
        raise ValueError(f"params must have keys W_in, W_out; missing {missing}")
    W_in = as_array("W_in", params["W_in"], ("V", "D"))
    W_out = as_array("W_out", params["W_out"], tuple(zip("VD", W_in.shape)))  # the same (V, D) as W_in
    return W_in, W_out


def _check_negatives(negatives, N, V):
    if negatives is None:
        return None
    negatives = int_ids("negatives", negatives, V, ndim=2)
    if negatives.shape[0] != N:
        raise shape_error("negatives", (("N", N), "K"), negatives.shape)
    return negatives


def _output_forward(h, target, W_out, negatives):
    """Loss (N,) of predicting `target` from h (N, D), and the cache pieces of the output layer."""
    if negatives is None:
        scores = h @ W_out.T  # (N, V)
        log_probs = log_softmax(scores, axis=1)
        loss = -log_probs[np.arange(len(target)), target]
        return loss, dict(probs=np.exp(log_probs), sig_pos=None, sig_neg=None)
    s_pos = np.sum(W_out[target] * h, axis=1)  # (N,)  u_o . h
    s_neg = np.einsum("nkd,nd->nk", W_out[negatives], h)  # (N, K)  u_n . h
    loss = -log_sigmoid(s_pos) - log_sigmoid(-s_neg).sum(axis=1)
    return loss, dict(probs=None, sig_pos=sigmoid(s_pos), sig_neg=sigmoid(s_neg))


def _output_backward(dloss, cache):
    """(dh (N, D), dW_out (V, D)) of sum(dloss * loss)."""
    N = len(cache.target)
    dW_out = np.zeros_like(cache.W_out)
    if cache.negatives is None:
        dscores = cache.probs.copy()  # d loss / d scores = softmax - one_hot(target)
        dscores[np.arange(N), cache.target] -= 1.0
        dscores *= dloss[:, None]  # (N, V)
        return dscores @ cache.W_out, dscores.T @ cache.h
    ds_pos = dloss * (cache.sig_pos - 1.0)  # d(-log sigma(s)) / ds = sigma(s) - 1
    ds_neg = dloss[:, None] * cache.sig_neg  # d(-log sigma(-s)) / ds = sigma(s)
    U_pos, U_neg = cache.W_out[cache.target], cache.W_out[cache.negatives]  # (N, D), (N, K, D)
    dh = ds_pos[:, None] * U_pos + np.einsum("nk,nkd->nd", ds_neg, U_neg)
    np.add.at(dW_out, cache.target, ds_pos[:, None] * cache.h)  # repeated words add up
    np.add.at(dW_out, cache.negatives, ds_neg[:, :, None] * cache.h[:, None, :])
    return dh, dW_out


def _check_cache(cache, kind):
    """A ValueError unless `cache` is the Word2VecCache of `kind`_forward ("skipgram" or "cbow")."""
    if not isinstance(cache, Word2VecCache) or cache.kind != kind:
        got = f"one from {cache.kind}_forward" if isinstance(cache, Word2VecCache) else type(cache).__name__
        raise ValueError(f"cache must be the Word2VecCache returned by {kind}_forward, got {got}")


def _check_dloss(dloss, N):
    return as_array("dloss", dloss, (("N", N),))


def skipgram_forward(center, context, params, *, negatives=None):
    """Skip-gram: predict each context word from its centre word.

    center, context: (N,) int word indices; negatives: (N, K) int noise words, or None for the full softmax.
    Returns loss (N,), one per pair, and the cache for `skipgram_backward`.
    """
    W_in, W_out = _check_params(params)
    V = W_in.shape[0]
    center = int_ids("center", center, V)
    context = int_ids("context", context, V)
    if len(context) != len(center):
        raise shape_error("context", (("N", len(center)),), context.shape)  # one context word per centre
    negatives = _check_negatives(negatives, len(center), V)
    h = W_in[center]  # (N, D): one-hot(center) @ W_in is this row lookup
    loss, out = _output_forward(h, context, W_out, negatives)
    return loss, Word2VecCache(kind="skipgram", inputs=center, h=h, target=context, negatives=negatives,
                               W_out=W_out, V=V, **out)


def skipgram_backward(dloss, cache):
    """{"W_in": (V, D), "W_out": (V, D)}: gradients of sum(dloss * loss), repeated indices summed."""
    _check_cache(cache, "skipgram")
    dloss = _check_dloss(dloss, len(cache.target))
    dh, dW_out = _output_backward(dloss, cache)
    dW_in = np.zeros_like(cache.W_out)
    np.add.at(dW_in, cache.inputs, dh)
    return {"W_in": dW_in, "W_out": dW_out}


def cbow_forward(context, center, params, *, negatives=None):
    """CBOW: predict each centre word from the mean of its 2C context words' vectors.

    context: (N, 2C) int word indices; center: (N,) int; negatives: (N, K) int, or None (full softmax).
    Returns loss (N,) and the cache for `cbow_backward`.
    """
    W_in, W_out = _check_params(params)
    V = W_in.shape[0]
    context = int_ids("context", context, V, ndim=2)
    center = int_ids("center", center, V)
    if len(center) != len(context):
        raise shape_error("center", (("N", len(context)),), center.shape)  # one centre per row of context
    if context.shape[1] == 0:
        raise ValueError(f"context must hold at least one word per row, got shape {context.shape}")
    negatives = _check_negatives(negatives, len(center), V)
    h = W_in[context].mean(axis=1)  # (N, D)
    loss, out = _output_forward(h, center, W_out, negatives)
    return loss, Word2VecCache(kind="cbow", inputs=context, h=h, target=center, negatives=negatives,
                               W_out=W_out, V=V, **out)


def cbow_backward(dloss, cache):
    """{"W_in": (V, D), "W_out": (V, D)}: each context word receives dh / 2C; repeats add up."""
    _check_cache(cache, "cbow")
    dloss = _check_dloss(dloss, len(cache.target))
    dh, dW_out = _output_backward(dloss, cache)
    dW_in = np.zeros_like(cache.W_out)
    width = cache.inputs.shape[1]
    np.add.at(dW_in, cache.inputs, np.broadcast_to(dh[:, None, :] / width, cache.inputs.shape + dh.shape[1:]))
    return {"W_in": dW_in, "W_out": dW_out}
