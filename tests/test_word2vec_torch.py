"""The torch trainer: it reaches the planted analogies (skip-gram and CBOW, both noise modes), it is
deterministic for a seed with one worker, its update is the numpy layer's gradient, a noise draw equal
to the true word adds nothing, the rate decays to ~0 on words processed whatever the window, the noise
power sets the noise distribution, and bad input."""

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
    noise = (o[:, None] + rng.integers(1, V, size=(B, K))) % V  # never the true word (that is skipped)
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
    c, o = rng.integers(0, V, size=B), rng.integers(0, V, size=B)
    shared = rng.choice(np.setdiff1d(np.arange(V), o), size=M)  # no noise word equal to a true word (skipped)
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


@pytest.mark.parametrize("step", [word2vec_torch._pair_noise_step, word2vec_torch._batch_noise_step],
                         ids=["pair", "batch"])
def test_a_noise_draw_equal_to_the_true_word_adds_nothing(step):
    """The C tool skips a noise word equal to the target: noise (o, n) with K = 2 gives the same step as
    noise (n,) with K = 1 (each noise word has weight 1 in both, in either mode)."""
    rng = np.random.default_rng(2)
    V, D, lr = 7, 4, 0.1
    W_in, W_out = torch.tensor(rng.normal(size=(V, D))), torch.tensor(rng.normal(size=(V, D)))
    c, o, n = torch.tensor([1]), torch.tensor([3]), torch.tensor([5])
    results = []
    for noise, K in [(torch.cat([o, n]), 2), (n, 1)]:
        w_in, w_out = W_in.clone(), W_out.clone()
        dh = step(w_in, w_out, w_in[c], o, noise, lr, K)
        w_in.index_add_(0, c, dh)
        results.append((w_in, w_out))
    torch.testing.assert_close(results[0][0], results[1][0], rtol=0, atol=1e-12)
    torch.testing.assert_close(results[0][1], results[1][1], rtol=0, atol=1e-12)
    assert not torch.allclose(results[1][1], W_out)  # the step did move W_out


@pytest.mark.parametrize("epochs", [1, 3])
@pytest.mark.parametrize("window", [2, 5, 10])
def test_rate_decays_to_about_zero_whatever_the_window(window, epochs):
    """The rates actually applied: the first is lr0, they never increase, the last is <= 1 % of the first,
    and the words processed run from 0 to (almost) epochs * T."""
    corpus = planted.planted_corpus(3000, seed=0)
    emb = word2vec_torch.fit(corpus, dim=10, window=window, epochs=epochs, batch_size=64, lr=0.02, progress=False)
    rates, words = np.array(emb.info["rates"]), np.array(emb.info["words_done"])
    assert len(rates) == len(words) > 100
    assert rates[0] == 0.02 and np.all(np.diff(rates) <= 0), rates
    assert rates[-1] / rates[0] <= 0.01, (rates[-1], rates[0])
    assert words[0] == 0 and np.all(np.diff(words) > 0)
    assert 0.99 * emb.info["words"] < words[-1] < emb.info["words"]


def test_the_schedule_is_the_same_function_of_words_for_every_window():
    """Windows 2, 5 and 10 list different numbers of rows (so different numbers of steps), yet the rate after
    a given number of words processed is the same: each run's rates match the others' at its own words."""
    corpus = planted.planted_corpus(3000, seed=0)
    runs = {w: word2vec_torch.fit(corpus, dim=10, window=w, epochs=2, batch_size=64, progress=False).info
            for w in (2, 5, 10)}
    assert len({len(info["rates"]) for info in runs.values()}) == 3  # the windows did differ in steps
    words2, rates2 = runs[2]["words_done"], runs[2]["rates"]
    for w in (5, 10):
        # both schedules are linear in words, so interpolating run 2's is exact up to rounding (np.interp is
        # flat beyond run 2's last step: only the words inside its range are compared)
        words, rates = np.array(runs[w]["words_done"]), np.array(runs[w]["rates"])
        inside = words <= words2[-1]
        assert inside.mean() > 0.99
        np.testing.assert_allclose(rates[inside], np.interp(words[inside], words2, rates2), rtol=1e-9, atol=1e-12)


def test_rate_floor_is_lr0_times_1e_minus_4():
    trainer = word2vec_torch._Trainer(W_in=None, W_out=None, noise_cdf=None, gens=[], sg=True, negative=5,
                                      shared_noise=64, batch_size=64, lr0=0.025, epochs=2, words_per_epoch=100,
                                      rows_done=[0])
    assert trainer.rate(0) == 0.025
    assert trainer.rate(100) == pytest.approx(0.0125, rel=1e-12)
    assert trainer.rate(200) == trainer.rate(300) == pytest.approx(0.025 * 1e-4, rel=1e-12)


@pytest.mark.parametrize("power", [0.0, 0.75, 1.0])
def test_noise_power_sets_the_noise_distribution(corpus, power):
    """The trainer's noise cdf is the cumulative count^power / sum (0: uniform, 1: unigram), and the words
    it draws follow it (a chi-square-sized check on 200,000 draws)."""
    from course_utils.nlp.vocab import Vocabulary

    vocab = Vocabulary.build(corpus, min_count=5)
    trainer = word2vec_torch._new_trainer(vocab, 100, dim=4, negative=5, epochs=1, sg=True, seed=0, lr=None,
                                          batch_size=64, noise="batch", batch_negatives=64, workers=1,
                                          noise_power=power, init_range=0.5)
    expected = vocab.counts.astype(float) ** power
    expected /= expected.sum()
    np.testing.assert_allclose(np.diff(trainer.noise_cdf.numpy(), prepend=0), expected, atol=1e-6)
    draws = torch.searchsorted(trainer.noise_cdf, torch.rand(200_000, generator=trainer.gens[0]), right=True)
    freq = np.bincount(draws.numpy(), minlength=vocab.V) / 200_000
    np.testing.assert_allclose(freq, expected, atol=5 * np.sqrt(expected.max() / 200_000))


def test_noise_power_changes_the_vectors(corpus):
    a = word2vec_torch.fit(corpus[:2000], dim=10, epochs=1, progress=False)
    b = word2vec_torch.fit(corpus[:2000], dim=10, epochs=1, noise_power=0, progress=False)
    assert not np.allclose(a.vectors, b.vectors)


def test_init_range_sets_the_starting_vectors(corpus):
    """With lr ~ 0 the vectors stay where they started: U(-r / D, r / D), r = init_range."""
    for r in (0.5, 1.0):
        v = word2vec_torch.fit(corpus, dim=50, epochs=1, lr=1e-12, init_range=r, progress=False).vectors
        assert np.abs(v).max() <= r / 50 and np.abs(v).max() > 0.98 * r / 50
        assert np.mean(v ** 2) == pytest.approx((r / 50) ** 2 / 3, rel=0.02)


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
    ([["a"] * 10], {"noise_power": -0.5}, "noise_power must be a finite float >= 0, got -0.5"),
    ([["a"] * 10], {"noise_power": "0.75"}, "noise_power must be a finite float >= 0, got '0.75'"),
    ([["a"] * 10], {"noise_power": True}, "noise_power must be a finite float >= 0, got True"),
    ([["a"] * 10], {"noise_power": float("nan")}, "noise_power must be a finite float >= 0, got nan"),
    ([["a"] * 10], {"init_range": 0}, "init_range must be a finite float > 0, got 0"),
])
def test_bad_input(sentences, kwargs, message):
    with pytest.raises(ValueError, match=message):
        word2vec_torch.fit(sentences, progress=False, **kwargs)
