"""word2vec's numpy layers against torch autograd (float64, 1e-10) and finite differences: skip-gram and
CBOW, full softmax and negative sampling, with repeated indices; and the contract's error messages."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils.layers import common, word2vec
from course_utils.layers.gradcheck import check_gradients

V, D = 7, 4


def random_params(seed):
    """Both matrices random (init_params leaves W_out at zero, which would hide W_out bugs)."""
    rng = np.random.default_rng(seed)
    return {"W_in": rng.normal(size=(V, D)), "W_out": rng.normal(size=(V, D))}


def batch(seed, N=6, K=3, C2=4):
    """Indices with repeats on purpose: a centre twice in the batch, a noise word twice in one row, a
    noise word equal to the true word, a context word twice in one CBOW window."""
    rng = np.random.default_rng(seed)
    center = rng.integers(0, V, size=N)
    center[1] = center[0]
    context = rng.integers(0, V, size=N)
    negatives = rng.integers(0, V, size=(N, K))
    negatives[0, 1] = negatives[0, 0]
    negatives[2, 0] = context[2]
    windows = rng.integers(0, V, size=(N, C2))
    windows[0, 1] = windows[0, 0]
    return center, context, negatives, windows


def torch_loss(h_fn, target, W_in, W_out, negatives):
    """(N,) loss in torch from h = h_fn(W_in)."""
    h = h_fn(W_in)
    if negatives is None:
        return F.cross_entropy(h @ W_out.T, torch.from_numpy(target), reduction="none")
    u_o = W_out[torch.from_numpy(target)]
    U = W_out[torch.from_numpy(negatives)]  # (N, K, D)
    return -F.logsigmoid((u_o * h).sum(1)) - F.logsigmoid(-torch.einsum("nkd,nd->nk", U, h)).sum(1)


def torch_reference(model, params, center, context, negatives, windows, dloss):
    W_in = torch.tensor(params["W_in"], requires_grad=True)
    W_out = torch.tensor(params["W_out"], requires_grad=True)
    if model == "skipgram":
        loss = torch_loss(lambda W: W[torch.from_numpy(center)], context, W_in, W_out, negatives)
    else:
        loss = torch_loss(lambda W: W[torch.from_numpy(windows)].mean(1), center, W_in, W_out, negatives)
    (loss * torch.from_numpy(dloss)).sum().backward()
    return loss.detach().numpy(), {"W_in": W_in.grad.numpy(), "W_out": W_out.grad.numpy()}


def ours(model, params, center, context, negatives, windows):
    if model == "skipgram":
        loss, cache = word2vec.skipgram_forward(center, context, params, negatives=negatives)
        return loss, lambda d: word2vec.skipgram_backward(d, cache)
    loss, cache = word2vec.cbow_forward(windows, center, params, negatives=negatives)
    return loss, lambda d: word2vec.cbow_backward(d, cache)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("sampled", [False, True], ids=["full-softmax", "negative-sampling"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_and_gradients_equal_torch(model, sampled, seed):
    params = random_params(seed)
    center, context, negatives, windows = batch(seed)
    negatives = negatives if sampled else None
    dloss = np.random.default_rng(seed + 50).normal(size=len(center))

    loss, backward = ours(model, params, center, context, negatives, windows)
    grads = backward(dloss)
    expected_loss, expected = torch_reference(model, params, center, context, negatives, windows, dloss)

    assert loss.shape == (len(center),)
    np.testing.assert_allclose(loss, expected_loss, rtol=0, atol=1e-10)
    assert set(grads) == {"W_in", "W_out"}
    for key in grads:
        assert grads[key].shape == (V, D)
        np.testing.assert_allclose(grads[key], expected[key], rtol=0, atol=1e-10)


def test_repeated_indices_add_up():
    """The same pair twice gives exactly twice the gradient of the pair once (a `W[idx] += g` bug gives once)."""
    params = random_params(3)
    one = word2vec.skipgram_backward(np.ones(1), word2vec.skipgram_forward(
        np.array([2]), np.array([5]), params, negatives=np.array([[1, 1, 4]]))[1])
    two = word2vec.skipgram_backward(np.ones(2), word2vec.skipgram_forward(
        np.array([2, 2]), np.array([5, 5]), params, negatives=np.array([[1, 1, 4], [1, 1, 4]]))[1])
    for key in one:
        np.testing.assert_allclose(two[key], 2 * one[key], rtol=0, atol=1e-12)
    # noise word 1 drawn twice in the row: its gradient row is twice that of noise word 4's formula
    _, cache = word2vec.skipgram_forward(np.array([2]), np.array([5]), params, negatives=np.array([[1, 1, 4]]))
    g = word2vec.skipgram_backward(np.ones(1), cache)["W_out"]
    s1 = params["W_out"][1] @ params["W_in"][2]
    np.testing.assert_allclose(g[1], 2 * common.sigmoid(s1) * params["W_in"][2], rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("sampled", [False, True], ids=["full-softmax", "negative-sampling"])
def test_gradients_match_finite_differences(model, sampled):
    params = random_params(7)
    center, context, negatives, windows = batch(7, N=4, K=2, C2=2)
    negatives = negatives if sampled else None
    dloss = np.random.default_rng(8).normal(size=len(center))

    def loss(arrays):
        return float(np.sum(dloss * ours(model, arrays, center, context, negatives, windows)[0]))

    _, backward = ours(model, params, center, context, negatives, windows)
    errors = check_gradients(loss, params, backward(dloss))
    assert max(errors.values()) < 1e-7, errors


def test_one_hot_times_W_in_is_a_row_lookup():
    params = word2vec.init_params(V, D, seed=0)
    one_hot = np.eye(V)[3]
    np.testing.assert_array_equal(one_hot @ params["W_in"], params["W_in"][3])


def test_init_params_follow_the_reference_tool():
    params = word2vec.init_params(50, 20, seed=1)
    assert params["W_in"].shape == params["W_out"].shape == (50, 20)
    assert np.abs(params["W_in"]).max() <= 0.5 / 20 and params["W_in"].std() > 0.1 / 20
    assert not params["W_out"].any()
    np.testing.assert_array_equal(params["W_in"], word2vec.init_params(50, 20, seed=1)["W_in"])


def test_full_softmax_loss_is_log_V_for_zero_output_vectors():
    """With W_out = 0 every word has the same score: the loss is log V, whatever the centre."""
    params = word2vec.init_params(V, D, seed=0)
    loss, _ = word2vec.skipgram_forward(np.arange(V), np.arange(V)[::-1], params)
    np.testing.assert_allclose(loss, np.log(V), rtol=0, atol=1e-12)


def test_stable_for_large_scores():
    params = {"W_in": np.full((V, D), 30.0), "W_out": np.full((V, D), 30.0)}
    loss, cache = word2vec.skipgram_forward(np.array([0]), np.array([1]), params, negatives=np.array([[2]]))
    grads = word2vec.skipgram_backward(np.ones(1), cache)
    assert np.isfinite(loss).all() and all(np.isfinite(g).all() for g in grads.values())
    np.testing.assert_allclose(loss, [4 * 900.0], rtol=1e-12)  # -log sigma(-3600) = 3600


# ---- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("center,context,negatives,message", [
    (np.array([0, 7]), np.array([1, 2]), None, r"^center must hold indices in \[0, V=7\), got values in \[0, 7\]$"),
    (np.array([0, -1]), np.array([1, 2]), None, r"^center must hold indices in \[0, V=7\), got values in \[-1, 0\]$"),
    (np.array([0.0, 1.0]), np.array([1, 2]), None, r"center must be an integer array of shape \(N,\), got float64"),
    (np.array([0, 1]), np.array([1, 2, 3]), None, r"^context must have shape \(N=2,\), got \(3,\)$"),
    (np.array([[0, 1]]), np.array([1, 2]), None, r"center must be an integer array of shape \(N,\)"),
    (np.array([0, 1]), np.array([1, 2]), np.array([[1, 2]]), r"negatives must have shape \(N=2, K\), got \(1, 2\)"),
    (np.array([0, 1]), np.array([1, 2]), np.array([[1, 9], [0, 0]]), r"^negatives must hold indices in \[0, V=7\)"),
    (np.array([0, 1]), np.array([1, 2]), np.array([1, 2]), r"negatives must be an integer array of shape 2-D"),
])
def test_skipgram_bad_input(center, context, negatives, message):
    with pytest.raises(ValueError, match=message):
        word2vec.skipgram_forward(center, context, random_params(0), negatives=negatives)


def test_cbow_and_params_bad_input():
    params = random_params(0)
    with pytest.raises(ValueError, match=r"context must be an integer array of shape 2-D"):
        word2vec.cbow_forward(np.array([1, 2]), np.array([1, 2]), params)
    with pytest.raises(ValueError, match=r"^center must have shape \(N=3,\), got \(2,\)$"):
        word2vec.cbow_forward(np.zeros((3, 2), int), np.array([1, 2]), params)
    with pytest.raises(ValueError, match=r"missing \['W_out'\]"):
        word2vec.skipgram_forward(np.array([1]), np.array([1]), {"W_in": params["W_in"]})
    with pytest.raises(ValueError, match=r"^W_out must have shape \(V=7, D=4\), got \(7, 3\)$"):
        word2vec.skipgram_forward(np.array([1]), np.array([1]), {"W_in": params["W_in"], "W_out": np.zeros((7, 3))})
    _, cache = word2vec.skipgram_forward(np.array([1, 2]), np.array([1, 0]), params)
    with pytest.raises(ValueError, match=r"dloss must have shape \(N=2,\), got \(3,\)"):
        word2vec.skipgram_backward(np.ones(3), cache)
    with pytest.raises(ValueError, match="D must be a positive int, got 0"):
        word2vec.init_params(5, 0, seed=0)


def test_backward_rejects_a_cache_of_the_other_model():
    params = {"W_in": np.random.default_rng(0).normal(size=(V, D)), "W_out": np.zeros((V, D))}
    _, sg = word2vec.skipgram_forward([1, 2], [3, 4], params)
    _, cb = word2vec.cbow_forward([[1, 2], [3, 4]], [5, 6], params)
    with pytest.raises(ValueError, match=r"^cache must be the Word2VecCache returned by cbow_forward, got one from "
                                         r"skipgram_forward$"):
        word2vec.cbow_backward(np.ones(2), sg)
    with pytest.raises(ValueError, match=r"returned by skipgram_forward, got one from cbow_forward$"):
        word2vec.skipgram_backward(np.ones(2), cb)
    with pytest.raises(ValueError, match=r"returned by skipgram_forward, got tuple$"):
        word2vec.skipgram_backward(np.ones(2), tuple(sg))
    assert (sg.kind, cb.kind) == ("skipgram", "cbow")
