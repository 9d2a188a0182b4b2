"""The torch trainer: it reaches the planted analogies (skip-gram and CBOW, both noise modes), it is
deterministic for a seed with one worker, its update is the numpy layer's gradient, and bad input."""

import numpy as np
import pytest
import torch

from course_utils.data import planted
from course_utils.layers import word2vec
from course_utils.models import word2vec_torch
from course_utils.nlp.embeddings import Embeddings


@pytest.fixture(scope="module")
def corpus():
    return planted.planted_corpus(10_000, seed=0)


@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
@pytest.mark.parametrize("noise", ["batch", "pair"])
def test_trainer_reaches_the_planted_analogies(corpus, sg, noise):
    emb = word2vec_torch.fit(corpus, dim=50, window=3, negative=5, min_count=5, epochs=5, sg=sg, noise=noise,
                               seed=0, progress=False)
    assert isinstance(emb, Embeddings) and emb.vectors.shape == (emb.vocab.V, 50)
    result = emb.evaluate_analogies(planted.analogy_questions())
    assert result["total"] == 360 and result["accuracy"] >= 0.9, result
    assert emb.analogy("king", "queen", "man")[0][0] == "woman"
    assert emb.info["rows"] > 0 and emb.info["words_per_second"] > 0


def test_untrained_vectors_do_not_pass_the_analogies(corpus):
    """The evaluation can fail: random vectors of the same vocabulary score near zero."""
    emb = word2vec_torch.fit(corpus, dim=50, window=3, epochs=1, lr=1e-9, progress=False)
    assert emb.evaluate_analogies(planted.analogy_questions())["accuracy"] < 0.1


def test_one_worker_is_deterministic():
    corpus = planted.planted_corpus(1000, seed=1)
    a = word2vec_torch.fit(corpus, dim=10, epochs=1, seed=3, progress=False)
    b = word2vec_torch.fit(corpus, dim=10, epochs=1, seed=3, progress=False)
    c = word2vec_torch.fit(corpus, dim=10, epochs=1, seed=4, progress=False)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert not np.allclose(a.vectors, c.vectors)
    d = word2vec_torch.fit(corpus, dim=10, epochs=1, seed=3, workers=2, progress=False)
    assert d.vectors.shape == a.vectors.shape and np.isfinite(d.vectors).all()


def test_pair_step_is_minus_lr_times_the_numpy_gradient():
    """One SGD step of the trainer (per-pair noise) equals params - lr * gradient of the summed numpy loss."""
    rng = np.random.default_rng(0)
    V, D, B, K, lr = 9, 4, 6, 3, 0.1
    params = {"W_in": rng.normal(size=(V, D)), "W_out": rng.normal(size=(V, D))}
    c, o = rng.integers(0, V, size=B), rng.integers(0, V, size=B)
    c[1] = c[0]
    noise = rng.integers(0, V, size=(B, K))
    noise[0, 1] = noise[0, 0]
    _, cache = word2vec.skipgram_forward(c, o, params, negatives=noise)
    grads = word2vec.skipgram_backward(np.ones(B), cache)
    expected = {k: params[k] - lr * grads[k] for k in params}  # the reference SGD update

    W_in, W_out = torch.tensor(params["W_in"]), torch.tensor(params["W_out"])
    tc, to, tn = torch.from_numpy(c), torch.from_numpy(o), torch.from_numpy(noise.reshape(-1))
    dh = word2vec_torch._pair_noise_step(W_in, W_out, W_in[tc], to, tn, lr, K)
    W_in.index_add_(0, tc, dh)
    np.testing.assert_allclose(W_in.numpy(), expected["W_in"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(W_out.numpy(), expected["W_out"], rtol=0, atol=1e-12)


def test_batch_step_is_the_expected_pair_step():
    """Shared noise words weighted K / M: the step equals the per-pair step with every row holding all M
    noise words, each weighted K / M (checked through the numpy gradient with dloss scaled per term)."""
    rng = np.random.default_rng(1)
    V, D, B, M, K, lr = 9, 4, 5, 4, 2, 0.1
    params = {"W_in": rng.normal(size=(V, D)), "W_out": rng.normal(size=(V, D))}
    c, o, shared = rng.integers(0, V, size=B), rng.integers(0, V, size=B), rng.integers(0, V, size=M)
    # positive part: a pair with no noise words is -log sigma(u_o . h); noise part: K / M per noise word
    _, cache = word2vec.skipgram_forward(c, o, params, negatives=np.zeros((B, 0), int))
    pos = word2vec.skipgram_backward(np.ones(B), cache)
    W_in_t = torch.tensor(params["W_in"])
    h = W_in_t[torch.from_numpy(c)]
    S = h.numpy() @ params["W_out"][shared].T  # (B, M)
    sig = 1 / (1 + np.exp(-S))
    dW_out = pos["W_out"].copy()
    np.add.at(dW_out, shared, (K / M) * sig.T @ h.numpy())
    dh = (K / M) * sig @ params["W_out"][shared]
    dW_in = pos["W_in"].copy()
    np.add.at(dW_in, c, dh)

    W_out_t = torch.tensor(params["W_out"])
    dh_t = word2vec_torch._batch_noise_step(W_in_t, W_out_t, h, torch.from_numpy(o), torch.from_numpy(shared), lr, K)
    W_in_t.index_add_(0, torch.from_numpy(c), dh_t)
    np.testing.assert_allclose(W_out_t.numpy(), params["W_out"] - lr * dW_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(W_in_t.numpy(), params["W_in"] - lr * dW_in, rtol=0, atol=1e-12)


def test_cbow_contexts_pad_and_count():
    ids = np.array([3, 4, 5, 6, 7])
    sentence_id = np.array([0, 0, 0, 1, 1])
    center, context, count = word2vec_torch.cbow_contexts(ids, sentence_id, 2, np.random.default_rng(0), pad=99)
    reach = np.random.default_rng(0).integers(1, 3, size=5)
    for i in range(5):
        expected = [ids[j] for j in range(i - reach[i], i + reach[i] + 1)
                    if j != i and 0 <= j < 5 and sentence_id[j] == sentence_id[i]]
        assert sorted(context[i][context[i] != 99].tolist()) == sorted(expected) and count[i] == len(expected)
    np.testing.assert_array_equal(center, ids)


@pytest.mark.parametrize("sentences,kwargs,message", [
    ([], {}, "the corpus is empty"),
    ([["a", "b"], ["a"]], {"min_count": 5}, "no word occurs at least min_count=5 times"),
    ("to be or not to be", {}, "sentences must be a list of token lists, got str"),
    ([["a"] * 10], {"dim": 0}, "dim must be a positive int, got 0"),
    ([["a"] * 10], {"window": 2.5}, "window must be a positive int, got 2.5"),
    ([["a"] * 10], {"noise": "shared"}, "noise must be 'pair' or 'batch', got 'shared'"),
    ([["a"] * 10], {"sample": -1}, "sample must be >= 0, got -1"),
])
def test_bad_input(sentences, kwargs, message):
    with pytest.raises(ValueError, match=message):
        word2vec_torch.fit(sentences, progress=False, **kwargs)
